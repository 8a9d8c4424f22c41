// SASL over the wire (RFC 6120 §6; PROTOCOL §2.2–§2.5): PLAIN with every accepted authzid, SCRAM-SHA-1
// through @xmpp/client, SCRAM-SHA-256 by hand, JWT passwords (account materialisation, expiry),
// failures and the per-stream failure limit.
import { createHash, createHmac, pbkdf2Sync, randomBytes } from "node:crypto";
import { client as xmppClient } from "@xmpp/client";
import { SignJWT } from "jose";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { rawTcp, rawWebSocket, streamHeader, type RawClient } from "../harness/raw-client.js";
import { startTestServer, type TestServer } from "../harness/test-server.js";
import { xml, type XmlElement } from "../harness/test-client.js";
import { NS_SASL, b64, expectStreamError, until, wsOpen } from "./c2s-helpers.js";

const SUCCESS = `<success xmlns="${NS_SASL}"/>`;
const failure = (condition: string) => `<failure xmlns="${NS_SASL}"><${condition}/></failure>`;
const plain = (authzid: string, authcid: string, password: string) =>
  `<auth xmlns="${NS_SASL}" mechanism="PLAIN">${b64(`${authzid}\0${authcid}\0${password}`)}</auth>`;

async function opened(server: TestServer, transport: "tcp" | "ws" = "tcp"): Promise<RawClient> {
  const raw = transport === "tcp" ? await rawTcp(server.port("c2s")) : await rawWebSocket(`ws://127.0.0.1:${server.port("http")}/ws`);
  raw.send(transport === "tcp" ? streamHeader("localhost") : wsOpen("localhost"));
  await raw.waitFor("</stream:features>");
  return raw;
}

const OUTCOME = /<success[^>]*\/>|<success[^>]*>[^<]*<\/success>|<failure[^>]*>[\s\S]*?<\/failure>/g;

/** Sends one `<auth/>` and returns the SASL outcome element that answers it. */
async function authOutcome(raw: RawClient, auth: string): Promise<string> {
  const seen = raw.text().match(OUTCOME)?.length ?? 0;
  raw.send(auth);
  const outcomes = () => raw.text().match(OUTCOME) ?? [];
  await until(() => outcomes().length, (n) => n > seen);
  return outcomes()[seen] ?? "";
}

describe("SASL with stored passwords (PROTOCOL §2.3, §2.5)", () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({ users: ["alice", "bob"] });
  });
  afterAll(() => server.stop());

  it.each([
    ["empty", ""],
    ["the localpart", "alice"],
    ["the localpart in another case", "ALICE"],
    ["the bare JID", "alice@localhost"],
  ])("PLAIN accepts an authzid that is %s", async (_name, authzid) => {
    const raw = await opened(server);
    expect(await authOutcome(raw, plain(authzid, "alice", "secret"))).toBe(SUCCESS);
    raw.close();
  });

  it("PLAIN accepts an authcid of the form local@HOST", async () => {
    const raw = await opened(server, "ws");
    expect(await authOutcome(raw, plain("", "alice@localhost", "secret"))).toBe(SUCCESS);
    raw.close();
  });

  it.each([
    ["another user", "bob"],
    ["another host", "alice@elsewhere.example"],
    ["a full JID", "alice@localhost/res"],
  ])("PLAIN refuses an authzid naming %s with <invalid-authzid/>", async (_name, authzid) => {
    const raw = await opened(server);
    expect(await authOutcome(raw, plain(authzid, "alice", "secret"))).toBe(failure("invalid-authzid"));
    raw.close();
  });

  it("a wrong password and an unknown account both get <failure><not-authorized/></failure>", async () => {
    const raw = await opened(server);
    expect(await authOutcome(raw, plain("", "alice", "wrong"))).toBe(failure("not-authorized"));
    expect(await authOutcome(raw, plain("", "nobody", "secret"))).toBe(failure("not-authorized"));
    // RFC 6120 §6.4.5: the client may retry on the same stream.
    expect(await authOutcome(raw, plain("", "alice", "secret"))).toBe(SUCCESS);
    raw.close();
  });

  it("PLAIN without an initial response gets an empty challenge written '=' (RFC 6120 §6.4.2)", async () => {
    const raw = await opened(server);
    raw.send(`<auth xmlns="${NS_SASL}" mechanism="PLAIN"/>`);
    await raw.waitFor("</challenge>");
    expect(raw.text()).toContain(`<challenge xmlns="${NS_SASL}">=</challenge>`);
    expect(await authOutcome(raw, `<response xmlns="${NS_SASL}">${b64("\0alice\0secret")}</response>`)).toBe(SUCCESS);
    raw.close();
  });

  it("@xmpp/client authenticates with SCRAM-SHA-1 when it is offered", async () => {
    const xmpp = xmppClient({ service: `xmpp://127.0.0.1:${server.port("c2s")}`, domain: "localhost", username: "bob", password: "secret", resource: "scram" });
    xmpp.reconnect.stop();
    const mechanisms: string[] = [];
    xmpp.on("error", () => undefined);
    xmpp.on("send", (element: XmlElement) => {
      if (element.is("auth", NS_SASL)) mechanisms.push(element.attrs["mechanism"] ?? "");
    });
    const jid = await xmpp.start();
    expect(mechanisms).toEqual(["SCRAM-SHA-1"]);
    expect(jid.toString()).toBe("bob@localhost/scram");
    await xmpp.stop();
  });

  it("SCRAM-SHA-256 (RFC 7677) authenticates and proves the server knows the password", async () => {
    const raw = await opened(server);
    const outcome = await scramSha256(raw, "alice", "secret");
    expect(outcome.success).toBe(true);
    expect(outcome.serverSignatureValid).toBe(true);
    raw.close();
    const wrong = await opened(server);
    expect((await scramSha256(wrong, "alice", "not-it")).failure).toBe(failure("not-authorized"));
    wrong.close();
  });
});

/** A by-hand SCRAM-SHA-256 exchange (RFC 5802 §3, RFC 7677) with node:crypto. */
async function scramSha256(raw: RawClient, user: string, password: string) {
  const hmac = (key: Buffer, data: string) => createHmac("sha256", key).update(data).digest();
  const nonce = randomBytes(18).toString("base64");
  const clientFirstBare = `n=${user},r=${nonce}`;
  raw.send(`<auth xmlns="${NS_SASL}" mechanism="SCRAM-SHA-256">${b64(`n,,${clientFirstBare}`)}</auth>`);
  const challenge = /<challenge xmlns="[^"]+">([^<]+)<\/challenge>/.exec(await raw.waitFor("</challenge>"))?.[1] ?? "";
  const serverFirst = Buffer.from(challenge, "base64").toString();
  const fields = Object.fromEntries(serverFirst.split(",").map((kv) => [kv[0], kv.slice(2)]));
  expect(fields["r"]?.startsWith(nonce)).toBe(true);
  expect(Number(fields["i"])).toBeGreaterThanOrEqual(4096);
  const salted = pbkdf2Sync(password, Buffer.from(fields["s"] ?? "", "base64"), Number(fields["i"]), 32, "sha256");
  const clientKey = hmac(salted, "Client Key");
  const storedKey = createHash("sha256").update(clientKey).digest();
  const finalWithoutProof = `c=biws,r=${fields["r"]}`;
  const authMessage = `${clientFirstBare},${serverFirst},${finalWithoutProof}`;
  const signature = hmac(storedKey, authMessage);
  const proof = Buffer.from(clientKey.map((b, i) => b ^ (signature[i] ?? 0)));
  const before = raw.text().length;
  raw.send(`<response xmlns="${NS_SASL}">${b64(`${finalWithoutProof},p=${proof.toString("base64")}`)}</response>`);
  const reply = (await raw.waitFor(/<\/success>|<success[^>]*\/>|<\/failure>/)).slice(before);
  const additional = /<success xmlns="[^"]+">([^<]+)<\/success>/.exec(reply)?.[1];
  const expected = `v=${hmac(hmac(salted, "Server Key"), authMessage).toString("base64")}`;
  return {
    success: reply.startsWith("<success"),
    serverSignatureValid: additional !== undefined && Buffer.from(additional, "base64").toString() === expected,
    failure: reply,
  };
}

describe("JWT passwords (PROTOCOL §2.4)", () => {
  const key = "jwt-test-key-0123456789abcdef0123456789";
  let server: TestServer;
  const token = (jid: string, expiresIn: string | number = "10m") =>
    new SignJWT({ jid }).setProtectedHeader({ alg: "HS256" }).setExpirationTime(expiresIn).sign(new TextEncoder().encode(key));

  beforeAll(async () => {
    server = await startTestServer({ users: ["alice"], config: { auth: { jwt: { key } } } });
  });
  afterAll(() => server.stop());

  it("a valid token logs in a user with no account and materialises it (check_account, offline storage)", async () => {
    expect((await server.api("check_account", { user: "jwtuser", host: "localhost" })).body).toBe(1);
    const first = await server.connect("jwtuser", { password: await token("jwtuser@localhost/any"), transport: "ws" });
    expect(first.jid).toMatch(/^jwtuser@localhost\//);
    expect((await server.api("check_account", { user: "jwtuser", host: "localhost" })).body).toBe(0);
    await first.stop();
    const alice = await server.connect("alice");
    await alice.send(xml("message", { to: "jwtuser@localhost", type: "chat", id: "while-away" }, xml("body", {}, "see you")));
    await alice.iq(xml("iq", { type: "get", id: "sync" }, xml("ping", { xmlns: "urn:xmpp:ping" })));
    const again = await server.connect("jwtuser", { password: await token("jwtuser@localhost") });
    expect((await again.receive((s) => s.attrs.id === "while-away")).getChildText("body")).toBe("see you");
  });

  it("an expired token, a token for someone else and a tampered token get not-authorized", async () => {
    const raw = await opened(server);
    const expired = await token("alice@localhost", Math.floor(Date.now() / 1000) - 3600);
    expect(await authOutcome(raw, plain("", "alice", expired))).toBe(failure("not-authorized"));
    expect(await authOutcome(raw, plain("", "alice", await token("mallory@localhost")))).toBe(failure("not-authorized"));
    const good = await token("alice@localhost");
    expect(await authOutcome(raw, plain("", "alice", `${good.slice(0, -2)}AA`))).toBe(failure("not-authorized"));
    expect(await authOutcome(raw, plain("alice@localhost", "alice", good))).toBe(SUCCESS);
    raw.close();
  });

  it("stored passwords still work with PLAIN next to JWT", async () => {
    const raw = await opened(server, "ws");
    expect(await authOutcome(raw, plain("", "alice", "secret"))).toBe(SUCCESS);
    raw.close();
  });
});

describe("failed attempts (PROTOCOL §2.2, §9.1)", () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({ users: ["alice"] });
  });
  afterAll(() => server.stop());

  it("after 5 failures on one stream the server sends policy-violation", async () => {
    const raw = await opened(server);
    for (let i = 1; i <= 4; i++) expect(await authOutcome(raw, plain("", "alice", `wrong-${i}`))).toBe(failure("not-authorized"));
    raw.send(plain("", "alice", "wrong-5"));
    const text = await expectStreamError(raw, "policy-violation");
    expect(text.split(failure("not-authorized"))).toHaveLength(6);
  });

  it("a failure from a slowed-down address is still answered, in order", async () => {
    // The previous test left this address with 5 recent failures: the throttle now delays replies.
    const raw = await opened(server);
    raw.send(plain("", "alice", "wrong-again"));
    raw.send(`<presence/>`);
    await expectStreamError(raw, "not-authorized");
    const text = raw.text();
    expect(text.indexOf(failure("not-authorized"))).toBeGreaterThan(0);
    expect(text.indexOf(failure("not-authorized"))).toBeLessThan(text.indexOf("<stream:error"));
  });
});
