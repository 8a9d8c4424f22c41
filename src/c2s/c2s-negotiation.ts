/**
 * Stream negotiation before authentication: STARTTLS (RFC 6120 §5) and SASL (RFC 6120 §6,
 * PROTOCOL §2.2–§2.6), and the feature lists offered before and after authentication (§2.1).
 */
import { el, type Element } from "../xml/element.js";
import { escapeText } from "../xml/escape.js";
import { Jid } from "../xmpp/jid.js";
import { NS } from "../xmpp/namespaces.js";
import { StreamError } from "../xmpp/stream-error.js";
import type { C2sSession } from "./c2s-session.js";
import { startSaslExchange } from "./sasl/sasl-mechanism.js";
import type { SaslMechanismName, SaslStep } from "./sasl/sasl-mechanism.js";

/** PROTOCOL §2.2 / §9.1: after 5 failures on one stream, policy-violation. */
export const MAX_SASL_FAILURES = 5;

type SaslFailure = Extract<SaslStep, { kind: "failure" }>;

/** `c2s.starttls_required` concerns plain TCP (port 5222, PROTOCOL §1.3) until TLS is up. */
function tlsStillRequired(session: C2sSession): boolean {
  const { conn, deps } = session;
  return deps.config.c2s.starttls_required && conn.kind === "tcp" && !conn.isSecure;
}

function offeredMechanisms(session: C2sSession): readonly SaslMechanismName[] {
  return session.deps.auth.mechanisms(session.mechanisms, session.conn.isSecure);
}

/** PROTOCOL §2.1: STARTTLS when possible (with `<required/>`, alone, when required), then SASL. */
export function preAuthFeatures(session: C2sSession): Element[] {
  const features: Element[] = [];
  const required = tlsStillRequired(session);
  if (session.conn.canStartTls) features.push(el("starttls", { xmlns: NS.tls }, required ? el("required") : undefined));
  if (!required) features.push(el("mechanisms", { xmlns: NS.sasl }, offeredMechanisms(session).map((m) => el("mechanism", null, m))));
  return features;
}

/** PROTOCOL §2.1: bind, session (optional), sm — in this order. */
export function postAuthFeatures(): Element[] {
  return [el("bind", { xmlns: NS.bind }), el("session", { xmlns: NS.session }, el("optional")), el("sm", { xmlns: NS.sm })];
}

export async function handlePreAuth(session: C2sSession, element: Element): Promise<void> {
  if (element.ns === NS.tls && element.name === "starttls") return startTls(session);
  if (element.ns === NS.sasl) {
    if (element.name === "auth") return saslAuth(session, element);
    if (element.name === "response") return saslResponse(session, element);
    if (element.name === "abort") return saslFailure(session, { kind: "failure", condition: "aborted" });
  }
  // RFC 6120 §6.4 / PROTOCOL §2.1: a stanza (or anything else) before authentication ends the stream.
  throw new StreamError("not-authorized");
}

async function startTls(session: C2sSession): Promise<void> {
  if (!session.conn.canStartTls) {
    // RFC 6120 §5.4.2.2: failure, then the stream is closed.
    session.conn.write(`<failure xmlns="${NS.tls}"/>`);
    session.close();
    return;
  }
  session.conn.write(`<proceed xmlns="${NS.tls}"/>`);
  session.state = "await-open";
  session.restartStream();
  try {
    await session.conn.startTls();
  } catch (error) {
    session.deps.log.info({ err: error }, "STARTTLS handshake failed");
    session.conn.destroy();
  }
}

async function saslAuth(session: C2sSession, auth: Element): Promise<void> {
  const mechanism = auth.attrs["mechanism"] ?? "";
  session.saslExchange = undefined;
  if (tlsStillRequired(session)) return saslFailure(session, { kind: "failure", condition: "encryption-required" });
  if (!(offeredMechanisms(session) as readonly string[]).includes(mechanism)) {
    return saslFailure(session, { kind: "failure", condition: "invalid-mechanism" });
  }
  const data = decodeSaslPayload(auth.text());
  if (data === "invalid") return saslFailure(session, { kind: "failure", condition: "malformed-request" });
  const exchange = startSaslExchange(mechanism as SaslMechanismName, session.deps.auth.saslBackend(session.host));
  session.saslExchange = { mechanism, exchange };
  await applyStep(session, await exchange.step(data));
}

async function saslResponse(session: C2sSession, response: Element): Promise<void> {
  const current = session.saslExchange;
  if (current === undefined) return saslFailure(session, { kind: "failure", condition: "malformed-request" });
  const data = decodeSaslPayload(response.text());
  if (data === "invalid") return saslFailure(session, { kind: "failure", condition: "malformed-request" });
  await applyStep(session, await current.exchange.step(data ?? Buffer.alloc(0)));
}

/** RFC 6120 §6.4.2: "=" is an empty response, no text is no initial response. */
function decodeSaslPayload(text: string): Buffer | null | "invalid" {
  const t = text.trim();
  if (t === "") return null;
  if (t === "=") return Buffer.alloc(0);
  if (t.length % 4 !== 0 || !/^[A-Za-z0-9+/]+={0,2}$/.test(t)) return "invalid";
  return Buffer.from(t, "base64");
}

/** RFC 6120 §6.4.2: an empty payload is written as "=" (no text would mean "no data"). */
function encodeSaslPayload(data: Buffer): string {
  return data.length === 0 ? "=" : data.toString("base64");
}

async function applyStep(session: C2sSession, step: SaslStep): Promise<void> {
  if (step.kind === "challenge") {
    session.conn.write(`<challenge xmlns="${NS.sasl}">${encodeSaslPayload(step.data)}</challenge>`);
    return;
  }
  if (step.kind === "failure") return saslFailure(session, step);
  const anonymous = session.saslExchange?.mechanism === "ANONYMOUS";
  session.saslExchange = undefined;
  const user = new Jid(step.localpart, session.host);
  if (!(await session.deps.auth.accountReady(user, step.viaToken, anonymous))) {
    return saslFailure(session, { kind: "failure", condition: "not-authorized" });
  }
  if (session.state !== "pre-auth") return; // the stream ended while the account was prepared
  session.deps.throttle.recordSuccess(session.conn.remoteAddress);
  session.user = user;
  session.isAnonymous = anonymous;
  session.state = "await-restart";
  session.restartStream();
  const data = step.data === undefined ? "" : step.data.toString("base64");
  session.conn.write(data === "" ? `<success xmlns="${NS.sasl}"/>` : `<success xmlns="${NS.sasl}">${data}</success>`);
}

/**
 * RFC 6120 §6.4.5: `<failure/>`; the client may retry on the same stream up to MAX_SASL_FAILURES.
 * Failures from one address are slowed down (issue #2): the reply waits, the event loop does not.
 */
async function saslFailure(session: C2sSession, step: SaslFailure): Promise<void> {
  session.saslExchange = undefined;
  session.saslFailures++;
  if (step.condition !== "aborted") {
    const { throttle } = session.deps;
    const address = session.conn.remoteAddress;
    // AuthThrottle.delayFor is read after recording the failure being answered (its contract).
    throttle.recordFailure(address);
    const delay = throttle.delayFor(address);
    if (delay > 0) await new Promise((resolve) => setTimeout(resolve, delay));
  }
  const text = step.text === undefined ? "" : `<text>${escapeText(step.text)}</text>`;
  session.conn.write(`<failure xmlns="${NS.sasl}"><${step.condition}/>${text}</failure>`);
  if (session.saslFailures >= MAX_SASL_FAILURES) throw new StreamError("policy-violation", "Too many failed authentication attempts");
}
