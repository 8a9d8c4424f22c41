#!/usr/bin/env python3
"""Stream management with resumption (XEP-0198 §3, §5): enable with resume, the TCP connection killed abruptly
(RST), messages sent meanwhile, slixmpp resumes the stream with the same full JID, every message arrives exactly
once (nothing lost, nothing handled before the kill repeated), the server's <resumed h/> counts what it received,
the hibernated session never looked offline to the user's other resource, and the resumed stream works both ways;
the same while the old connection still looks alive; and without resumption, messages a dying connection never
acknowledged reach the next session (PROTOCOL §2.11: standard profile, sm.resume_timeout 300)."""
import uuid

from common import CheckFailed, Client, connect, event_future, is_message, is_presence, kill, open_session, run_scenario


async def scenario(config, result, clients):
    a_acc, b_acc = config.users[0], config.users[1]
    alice = await connect(config, a_acc, plugins=("xep_0198",), resource="sm", wait_sm=True, clients=clients)
    sm = alice["xep_0198"]
    result.check("resumption granted (enabled id)", bool(sm.sm_id), sm.sm_id)
    watcher = await connect(config, a_acc, resource="watcher", clients=clients)
    bob = await connect(config, b_acc, clients=clients)
    tag = uuid.uuid4().hex[:8]
    full_jid = alice.boundjid.full

    bob.send_message(mto=full_jid, mbody=f"before {tag}", mtype="chat")
    await alice.wait_for("message before the kill", lambda s: is_message(s, "chat", body=f"before {tag}"))
    await alice.barrier()  # everything alice sent has reached the server
    sent_before = sm.seq

    watcher_mark = watcher.mark()
    disconnected = event_future(alice, "disconnected", config.step)
    kill(alice)
    await disconnected
    after = [f"after {tag} #{i}" for i in range(3)]
    bob.send_message(mto=full_jid, mbody=after[0], mtype="chat")
    bob.send_message(mto=a_acc.bare, mbody=after[1], mtype="chat")
    bob.send_message(mto=full_jid, mbody=after[2], mtype="chat")
    await bob.barrier()
    # Not offline while hibernated: no error bounce to bob, and the bare-JID message was not re-routed away.
    await bob.expect_nothing("a bounce", lambda s: is_message(s, "error"), 0.3)

    resumed = event_future(alice, "session_resumed", config.step * 2)
    mark = alice.mark()
    outcome = await open_session(alice)
    if outcome != "session_resumed":
        raise CheckFailed(f"stream not resumed: {outcome}")
    stanza = await resumed
    result.equal("same full JID after resumption", alice.boundjid.full, full_jid)
    result.equal("<resumed h/> counts what the server received", int(stanza["h"]), sent_before)

    for body in after:
        await alice.wait_for(f"'{body}' after resumption", lambda s, b=body: is_message(s, "chat", body=b))
    await alice.barrier()
    received = [s["body"] for s in alice.inbox if is_message(s, "chat") and tag in s["body"]]
    result.equal("every message exactly once, in order", received, [f"before {tag}", *after])
    result.check("nothing repeated after resumption",
                 not any(is_message(s, body=f"before {tag}") for s in alice.inbox[mark:]))

    await watcher.barrier()
    result.check("no unavailable presence while hibernated",
                 not any(is_presence(s, "unavailable", full_jid) for s in watcher.inbox[watcher_mark:]))

    # The resumed stream works both ways.
    alice.send_message(mto=b_acc.bare, mbody=f"resumed {tag}", mtype="chat")
    await bob.wait_for("message over the resumed stream", lambda s: is_message(s, "chat", full_jid, f"resumed {tag}"))
    result.check("resumed stream sends", True)

    # Phase 2, the mobile case: the old TCP connection still looks alive to the server (nothing read from it any
    # more, no RST) when a new connection resumes the stream. The server moves the session to the new connection,
    # resends what the old one never acknowledged, and closes the old one.
    await alice.barrier()
    alice.transport.pause_reading()
    zombie_closed = event_future(alice, "disconnected", config.step * 3)
    later = [f"zombie {tag} #{i}" for i in range(2)]
    for body in later:
        bob.send_message(mto=full_jid, mbody=body, mtype="chat")
    await bob.barrier()
    fresh = Client(config, a_acc, "sm", ("xep_0198",), None)
    clients.append(fresh)
    state = fresh["xep_0198"]
    state.sm_id, state.handled, state.seq, state.last_ack = sm.sm_id, sm.handled, sm.seq, sm.last_ack
    fresh.end_session_on_disconnect = False
    outcome = await open_session(fresh)
    result.equal("resumed while the old connection is open", outcome, "session_resumed")
    for body in later:
        await fresh.wait_for(f"'{body}' on the new connection", lambda s, b=body: is_message(s, "chat", body=b))
    await fresh.barrier()
    result.equal("each once on the new connection", [s["body"] for s in fresh.inbox if is_message(s, "chat")
                                                      and "zombie" in s["body"]], later)
    if alice.transport is not None:
        alice.transport.resume_reading()
    try:
        await zombie_closed
    except Exception as error:  # noqa: BLE001
        raise CheckFailed(f"the old connection was not closed after resumption: {error}") from error
    result.check("old connection closed", True)
    fresh.send_message(mto=b_acc.bare, mbody=f"fresh {tag}", mtype="chat")
    await bob.wait_for("message over the new connection", lambda s: is_message(s, "chat", full_jid, f"fresh {tag}"))
    # slixmpp closes without a final <a/>; acknowledge first so the server has nothing left to re-route.
    state.send_ack()
    await fresh.barrier()

    # Phase 3, stream management without resumption (PROTOCOL §2.11): messages written to a connection that dies
    # before acknowledging them are not lost; with no other session left they go to offline storage and reach the
    # user's next session.
    await fresh.disconnect(wait=2.0)
    await watcher.disconnect(wait=2.0)
    plain = Client(config, a_acc, "no-resume", ("xep_0198",), None)
    clients.append(plain)
    plain["xep_0198"].allow_resume = False
    result.equal("enable without resume", await open_session(plain, wait_sm=True), "session_start")
    result.check("no resumption id when not asked", not plain["xep_0198"].sm_id, plain["xep_0198"].sm_id)
    plain.send_presence()
    await plain.barrier()
    plain.transport.pause_reading()
    unread = [f"unacked {tag} #{i}" for i in range(3)]
    for body in unread:
        bob.send_message(mto=plain.boundjid.full, mbody=body, mtype="chat")
    await bob.barrier()
    kill(plain)
    later_session = await connect(config, a_acc, resource="later", clients=clients)
    for body in unread:
        await later_session.wait_for(f"'{body}' on the next session", lambda s, b=body: is_message(s, "chat", body=b))
    result.check("unacknowledged messages reach the next session", True)


if __name__ == "__main__":
    run_scenario("sm_resume", __doc__, 2, scenario)
