/**
 * Stream negotiation before authentication: STARTTLS (RFC 6120 §5) and SASL (RFC 6120 §6,
 * PROTOCOL §2.2–§2.6), and the feature lists offered before and after authentication (§2.1).
 */
import { el, type Element } from "../xml/element.js";
import { Jid } from "../xmpp/jid.js";
import { NS } from "../xmpp/namespaces.js";
import { StreamError } from "../xmpp/stream-error.js";
import type { C2sSession } from "./c2s-session.js";
import { startSaslExchange } from "./sasl/sasl-mechanism.js";
import type { SaslMechanismName, SaslStep } from "./sasl/sasl-mechanism.js";

/** PROTOCOL §2.2: after 5 failures on one stream, policy-violation. */
const MAX_SASL_FAILURES = 5;

export function preAuthFeatures(session: C2sSession): Element[] {
  const { conn, deps } = session;
  const features: Element[] = [];
  const tlsRequired = deps.config.c2s.starttls_required && !conn.isSecure;
  if (conn.canStartTls) {
    features.push(el("starttls", { xmlns: NS.tls }, tlsRequired ? el("required") : undefined));
  }
  if (!tlsRequired) {
    const mechanisms = deps.auth.mechanisms(conn.isSecure);
    features.push(el("mechanisms", { xmlns: NS.sasl }, mechanisms.map((m) => el("mechanism", null, m))));
  }
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
    if (element.name === "abort") {
      session.saslExchange = undefined;
      return saslFailure(session, { kind: "failure", condition: "aborted" });
    }
  }
  // RFC 6120 §6.4 / PROTOCOL §2.1: a stanza before authentication ends the stream.
  throw new StreamError("not-authorized");
}

async function startTls(session: C2sSession): Promise<void> {
  if (!session.conn.canStartTls) {
    session.conn.write(`<failure xmlns="${NS.tls}"/>`);
    throw new StreamError("undefined-condition", "TLS is not available");
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
  const offered = session.deps.auth.mechanisms(session.conn.isSecure);
  if (session.deps.config.c2s.starttls_required && !session.conn.isSecure) {
    return saslFailure(session, { kind: "failure", condition: "encryption-required" });
  }
  if (!(offered as readonly string[]).includes(mechanism)) {
    return saslFailure(session, { kind: "failure", condition: "invalid-mechanism" });
  }
  const exchange = startSaslExchange(mechanism as SaslMechanismName, session.deps.auth.saslBackend(session.host));
  session.saslExchange = { mechanism, step: (r) => exchange.step(r) };
  const data = decodeSaslPayload(auth.text());
  if (data === "invalid") return saslFailure(session, { kind: "failure", condition: "malformed-request" });
  await applyStep(session, await exchange.step(data));
}

async function saslResponse(session: C2sSession, response: Element): Promise<void> {
  const exchange = session.saslExchange;
  if (exchange === undefined) return saslFailure(session, { kind: "failure", condition: "malformed-request" });
  const data = decodeSaslPayload(response.text());
  if (data === "invalid") return saslFailure(session, { kind: "failure", condition: "malformed-request" });
  await applyStep(session, await exchange.step(data ?? Buffer.alloc(0)));
}

/** RFC 6120 §6.4.2: "=" is an empty response, no text is no initial response. */
function decodeSaslPayload(text: string): Buffer | null | "invalid" {
  const t = text.trim();
  if (t === "") return null;
  if (t === "=") return Buffer.alloc(0);
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(t) || t.length % 4 !== 0) return "invalid";
  return Buffer.from(t, "base64");
}

async function applyStep(session: C2sSession, step: SaslStep): Promise<void> {
  if (step.kind === "challenge") {
    session.conn.write(`<challenge xmlns="${NS.sasl}">${step.data.toString("base64")}</challenge>`);
    return;
  }
  if (step.kind === "failure") return saslFailure(session, step);
  const mechanism = session.saslExchange?.mechanism;
  session.saslExchange = undefined;
  const anonymous = mechanism === "ANONYMOUS";
  const user = new Jid(step.localpart, session.host);
  if (!(await session.deps.auth.accountReady(user, step.viaToken, anonymous))) {
    return saslFailure(session, { kind: "failure", condition: "not-authorized" });
  }
  session.deps.throttle.recordSuccess(session.conn.remoteAddress);
  session.user = user;
  session.isAnonymous = anonymous;
  session.state = "await-restart";
  session.restartStream();
  const data = step.data === undefined ? "" : step.data.toString("base64");
  session.conn.write(data === "" ? `<success xmlns="${NS.sasl}"/>` : `<success xmlns="${NS.sasl}">${data}</success>`);
}

async function saslFailure(session: C2sSession, step: Extract<SaslStep, { kind: "failure" }>): Promise<void> {
  session.saslExchange = undefined;
  session.saslFailures++;
  const address = session.conn.remoteAddress;
  const throttle = session.deps.throttle;
  if (step.condition !== "aborted") {
    // Slow down guessing from one address (issue #2): the reply waits, the event loop does not.
    const delay = throttle.delayFor(address);
    throttle.recordFailure(address);
    if (delay > 0) await new Promise((resolve) => setTimeout(resolve, delay));
  }
  const text = step.text === undefined ? "" : `<text>${step.text.replace(/&/g, "&amp;").replace(/</g, "&lt;")}</text>`;
  session.conn.write(`<failure xmlns="${NS.sasl}"><${step.condition}/>${text}</failure>`);
  if (session.saslFailures >= MAX_SASL_FAILURES) throw new StreamError("policy-violation", "Too many failed authentication attempts");
}
