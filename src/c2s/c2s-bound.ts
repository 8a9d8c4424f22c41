/**
 * After authentication: resource binding (RFC 6120 §7, PROTOCOL §2.7), the legacy session IQ (§2.8),
 * stream management nonzas (§2.11), and every stanza of a bound session: `from` stamping (§2.9),
 * the `client.stanza-sent` hooks, then the router.
 */
import { randomInt } from "node:crypto";
import { el, type Element } from "../xml/element.js";
import { parseJid, tryParseJid, JidMalformedError } from "../xmpp/jid.js";
import { NS } from "../xmpp/namespaces.js";
import { StanzaError } from "../xmpp/stanza-error.js";
import { errorReply } from "../xmpp/stanza.js";
import { StreamError } from "../xmpp/stream-error.js";
import { resumeSession, enableStreamManagement } from "./c2s-lifecycle.js";
import type { C2sSession } from "./c2s-session.js";

export async function handleAuthedBeforeBind(session: C2sSession, element: Element): Promise<void> {
  if (element.ns === NS.sm) {
    if (element.name === "resume") return resumeSession(session, element);
    // XEP-0198 §3: enabling before binding is refused.
    session.send(el("failed", { xmlns: NS.sm }, el("unexpected-request", { xmlns: NS.stanzas })));
    return;
  }
  if (element.name === "iq" && element.ns === NS.client) {
    const bind = element.getChild("bind", NS.bind);
    if (bind && element.attrs["type"] === "set") return bindResource(session, element, bind);
    if (element.getChild("session", NS.session)) return replySessionIq(session, element);
  }
  throw new StreamError("not-authorized");
}

async function bindResource(session: C2sSession, iq: Element, bind: Element): Promise<void> {
  const user = session.user;
  if (user === undefined) throw new StreamError("not-authorized");
  const requested = bind.getChildText("resource")?.trim();
  let jid;
  try {
    jid = parseJid(`${user.bareString}/${requested === undefined || requested === "" ? generateResource() : requested}`);
  } catch {
    session.send(errorReply(iq, new StanzaError("bad-request", "Invalid resource")));
    return;
  }
  const { sessions, config } = session.deps;
  // PROTOCOL §2.7: the same full JID is replaced; past the cap the oldest session goes.
  // Built only when a session is replaced: an Error captures a stack trace, too costly for every bind.
  const conflict = () => new StreamError("conflict", "Replaced by new connection");
  sessions.get(jid)?.close(conflict());
  const existing = sessions.resourcesOf(user);
  if (existing.length >= config.c2s.max_user_sessions) {
    const oldestFirst = [...existing].sort((a, b) => a.boundAt - b.boundAt);
    for (let i = 0; oldestFirst.length - i >= config.c2s.max_user_sessions; i++) oldestFirst[i]?.close(conflict());
  }

  session.boundJid = jid;
  session.boundAt = Date.now();
  session.state = "bound";
  sessions.add(session);
  session.send(el("iq", { type: "result", id: iq.attrs["id"] }, el("bind", { xmlns: NS.bind }, el("jid", null, jid.toString()))));
  await session.deps.hooks.run("session.bound", { session });
}

/** PROTOCOL §2.7: 20 to 26 decimal digits. */
function generateResource(): string {
  const length = 20 + randomInt(7);
  let s = String(1 + randomInt(9));
  while (s.length < length) s += String(randomInt(1_000_000_000)).padStart(9, "0");
  return s.slice(0, length);
}

/**
 * PROTOCOL §2.8: always an empty result, repeated or not. Once bound it is a stanza like any other, counted for
 * XEP-0198 (a client that enabled SM counts it too, §2.11).
 */
function replySessionIq(session: C2sSession, iq: Element): void {
  const reply = el("iq", { type: "result", id: iq.attrs["id"] });
  if (session.isBound) session.deliver(reply);
  else session.send(reply);
}

export async function handleBound(session: C2sSession, element: Element): Promise<void> {
  if (element.ns === NS.sm) return handleSmNonza(session, element);
  if (element.ns !== NS.client || (element.name !== "message" && element.name !== "presence" && element.name !== "iq")) {
    throw new StreamError("unsupported-stanza-type");
  }
  session.sm?.countInbound();
  if (element.name === "iq") {
    if (element.getChild("session", NS.session) && element.attrs["type"] === "set") return replySessionIq(session, element);
    if (element.getChild("bind", NS.bind)) {
      session.deliver(errorReply(element, new StanzaError("not-allowed")));
      return;
    }
  }
  stampFrom(session, element);
  const toAttr = element.attrs["to"];
  if (toAttr !== undefined && tryParseJid(toAttr) === undefined) {
    return bounceToSelf(session, element, new StanzaError("jid-malformed"));
  }
  try {
    const payload = { session, stanza: element };
    if ((await session.deps.hooks.run("client.stanza-sent", payload)) === "handled") return;
    await session.deps.router.route(payload.stanza, session);
  } catch (error) {
    if (error instanceof StanzaError) return bounceToSelf(session, element, error);
    if (error instanceof JidMalformedError) return bounceToSelf(session, element, new StanzaError("jid-malformed"));
    throw error;
  }
}

/** PROTOCOL §2.9: absent or own bare/full JID → the full JID; anything else → invalid-from. */
function stampFrom(session: C2sSession, stanza: Element): void {
  const full = session.jid;
  const from = stanza.attrs["from"];
  if (from !== undefined && from !== full.toString()) {
    const parsed = tryParseJid(from);
    if (parsed === undefined || parsed.bareString !== full.bareString || (parsed.resource !== "" && parsed.resource !== full.resource)) {
      throw new StreamError("invalid-from");
    }
  }
  stanza.attrs["from"] = full.toString();
}

function bounceToSelf(session: C2sSession, stanza: Element, error: StanzaError): void {
  const type = stanza.attrs["type"];
  if (type === "error" || (stanza.name === "iq" && type === "result")) return;
  const reply = errorReply(stanza, error);
  reply.attrs["to"] = session.jid.toString();
  if (tryParseJid(reply.attrs["from"]) === undefined) reply.attrs["from"] = session.host;
  session.deliver(reply);
}

function handleSmNonza(session: C2sSession, nonza: Element): void {
  switch (nonza.name) {
    case "enable":
      return enableStreamManagement(session, nonza);
    case "r":
      // Without `<enable/>` there is no count to report: ignored, like `<a/>`.
      if (session.sm) session.send(el("a", { xmlns: NS.sm, h: session.sm.inbound }));
      return;
    case "a": {
      if (!session.sm) return;
      const h = Number(nonza.attrs["h"]);
      if (!Number.isInteger(h) || h < 0 || h > 0xffffffff || !session.sm.ack(h)) {
        // PROTOCOL §2.11: an `h` above what was sent ends the stream.
        throw new StreamError("undefined-condition", "Acknowledged more stanzas than were sent");
      }
      return;
    }
    case "resume":
      session.send(el("failed", { xmlns: NS.sm }, el("unexpected-request", { xmlns: NS.stanzas })));
      return;
    default:
      throw new StreamError("unsupported-stanza-type");
  }
}
