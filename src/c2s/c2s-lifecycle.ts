/**
 * How a session ends, sleeps and wakes: stream management enable, hibernation after an unclean
 * disconnect, resumption on a new stream (XEP-0198 §5, PROTOCOL §2.11), and the final teardown that
 * hands unacknowledged stanzas to `session.closed` (re-routed or stored offline, never dropped).
 */
import { randomBytes } from "node:crypto";
import { el, type Element } from "../xml/element.js";
import { serializeTopLevel } from "../xml/serialize.js";
import { NS } from "../xmpp/namespaces.js";
import type { C2sSession } from "./c2s-session.js";
import { StreamManagementState } from "./stream-management.js";

export function enableStreamManagement(session: C2sSession, enable: Element): void {
  if (session.sm !== undefined) {
    session.send(el("failed", { xmlns: NS.sm }, el("unexpected-request", { xmlns: NS.stanzas })));
    return;
  }
  const timeout = session.deps.config.sm.resume_timeout;
  const wantsResume = enable.attrs["resume"] === "true" || enable.attrs["resume"] === "1";
  // PROTOCOL §2.11: id/resume/max only when resumption is granted, so others never try <resume/>.
  const resumable = wantsResume && timeout > 0 && !session.isAnonymous;
  const id = resumable ? randomBytes(12).toString("base64url") : undefined;
  session.sm = new StreamManagementState(resumable, id);
  if (id !== undefined) session.deps.resumable.set(id, session);
  session.send(el("enabled", { xmlns: NS.sm, id, resume: resumable ? "true" : undefined, max: resumable ? timeout : undefined }));
}

export function hibernate(session: C2sSession): void {
  session.state = "hibernated";
  session.deps.keepalive.remove(session);
  const timeoutMs = session.deps.config.sm.resume_timeout * 1000;
  session.hibernateTimer = setTimeout(() => void closeForGood(session), timeoutMs);
  session.hibernateTimer.unref();
}

export async function resumeSession(session: C2sSession, resume: Element): Promise<void> {
  const previd = resume.attrs["previd"] ?? "";
  const h = Number(resume.attrs["h"]);
  const old = session.deps.resumable.get(previd);
  const failed = () => session.send(el("failed", { xmlns: NS.sm }, el("item-not-found", { xmlns: NS.stanzas })));
  // XEP-0198 §5: only the same account may resume, and only a session that still exists.
  if (old === undefined || old.sm === undefined || old.user?.bareString !== session.user?.bareString) return failed();
  if (old.state !== "bound" && old.state !== "hibernated") return failed();
  if (!Number.isInteger(h) || h < 0 || h > 0xffffffff || !old.sm.ack(h)) return failed();
  // The old connection may still look alive (XEP-0198 §5): it is dropped without ending the session.
  if (old.state === "bound") old.conn.destroy();
  if (old.hibernateTimer) clearTimeout(old.hibernateTimer);
  old.hibernateTimer = undefined;
  transferConnection(session, old);
  old.send(el("resumed", { xmlns: NS.sm, previd, h: old.sm.inbound }));
  for (const stanza of old.sm.unacked()) old.conn.write(serializeTopLevel(stanza, old.framing.stanzaNs));
  old.adoptInbox(session);
}

/** The hibernated session adopts the new stream: connection, handlers, framing, parser and queue. */
function transferConnection(from: C2sSession, to: C2sSession): void {
  to.conn = from.conn;
  to.sink = from.sink;
  from.sink.target = to;
  to.framing = from.framing;
  to.parser = from.parser;
  to.streamId = from.streamId;
  to.headerSent = true;
  to.lastActivity = Date.now();
  to.keepaliveSentAt = 0;
  to.state = "bound";
  from.state = "transferred";
  from.deps.keepalive.remove(from);
  from.deps.streams.delete(from);
  to.deps.keepalive.add(to);
  to.deps.streams.add(to);
}

/** Final teardown: directory, hooks with the unacknowledged stanzas, no more writes. */
export async function closeForGood(session: C2sSession): Promise<void> {
  const wasBound = session.isBound;
  session.state = "closed";
  const deps = session.deps;
  deps.keepalive.remove(session);
  deps.streams.delete(session);
  if (session.hibernateTimer) clearTimeout(session.hibernateTimer);
  session.hibernateTimer = undefined;
  if (session.sm?.resumeId !== undefined) deps.resumable.delete(session.sm.resumeId);
  if (!wasBound) return;
  deps.sessions.remove(session);
  // PROTOCOL §2.11: what the client never acknowledged goes to `session.closed` (the offline module
  // re-routes it to another resource or stores it).
  const unacked = session.sm?.drain() ?? [];
  try {
    await deps.hooks.run("session.closed", { session, unacked });
  } catch (err) {
    deps.log.error({ err }, "session.closed hook failed");
  }
}
