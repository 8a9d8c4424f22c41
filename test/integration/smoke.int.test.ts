import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestServer, type TestServer } from "../harness/test-server.js";
import { xml } from "../harness/test-client.js";

describe("smoke: two users over real sockets", () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({ users: ["alice", "bob"] });
  });
  afterAll(() => server.stop());

  it("delivers a chat message between two online users over STARTTLS and WebSocket", async () => {
    const alice = await server.connect("alice");
    const bob = await server.connect("bob", { transport: "ws" });
    await bob.receive((s) => s.is("presence"));
    await alice.send(xml("message", { to: "bob@localhost", type: "chat", id: "m1" }, xml("body", {}, "hi bob")));
    const got = await bob.receive((s) => s.is("message") && s.attrs.id === "m1");
    expect(got.getChildText("body")).toBe("hi bob");
    expect(got.attrs.from).toBe(alice.jid);
  });
});
