/**
 * Opening a client stream (RFC 6120 §4.2, §4.7; RFC 7395 §3.4; PROTOCOL §1.1, §1.4, §2.1): the
 * `to` check, our header, the features for the stream's stage, and the header owed before a stream
 * error when none was sent yet (RFC 6120 §4.9.1.2).
 */
import { randomHex } from "../core/random-hex.js";
import { StreamError } from "../xmpp/stream-error.js";
import type { C2sSession } from "./c2s-session.js";
import { postAuthFeatures, preAuthFeatures } from "./c2s-negotiation.js";
import type { StreamFraming } from "./stream-framing.js";

/** Post-auth features are one constant per framing (§2.1); a login opens two streams, so build the text once. */
const postAuthText = new Map<boolean, string>();

function postAuthFeaturesXml(framing: StreamFraming): string {
  let text = postAuthText.get(framing.isFramed);
  if (text === undefined) {
    text = framing.features(postAuthFeatures());
    postAuthText.set(framing.isFramed, text);
  }
  return text;
}

/** A stream header or `<open/>` from the client. */
export function openStream(session: C2sSession, attrs: Record<string, string>): void {
  const to = (attrs["to"] ?? "").toLowerCase();
  // PROTOCOL §1.1: a `to` naming no served domain, or a restart that changes it, is host-unknown.
  if (!session.deps.hosts.has(to) || (session.host !== "" && to !== session.host)) {
    return openFailed(session, attrs, new StreamError("host-unknown"));
  }
  if (session.state !== "await-open" && session.state !== "await-restart") {
    return session.close(new StreamError("not-authorized", "Unexpected stream restart"));
  }
  session.host = to;
  writeHeader(session, to, attrs["xml:lang"]);
  if (session.state === "await-open") {
    session.state = "pre-auth";
    session.conn.write(session.framing.features(preAuthFeatures(session)));
  } else {
    session.state = "authed";
    session.conn.write(postAuthFeaturesXml(session.framing));
  }
}

/** RFC 6120 §4.9.1.2: a stream error in answer to a bad header still goes out after our own header. */
export function openFailed(session: C2sSession, attrs: Record<string, string>, error: StreamError): void {
  const to = (attrs["to"] ?? "").toLowerCase();
  if (!session.headerSent) writeHeader(session, session.deps.hosts.has(to) ? to : defaultHost(session), attrs["xml:lang"]);
  session.close(error);
}

/** Our header for the current stream, with a fresh stream id. */
export function writeHeader(session: C2sSession, from: string, lang: string | undefined): void {
  session.streamId = randomHex(8);
  session.headerSent = true;
  session.conn.write(session.framing.header({ from, id: session.streamId, lang: lang === undefined || lang === "" ? "en" : lang }));
}

/** The host a header speaks for when the client named none we serve. */
export function defaultHost(session: C2sSession): string {
  if (session.host !== "") return session.host;
  for (const h of session.deps.hosts) return h;
  return "";
}
