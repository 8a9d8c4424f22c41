#!/usr/bin/env python3
"""Chat messages both ways between two online users (bare and full JID addressing, id, thread and non-ASCII body
kept), an error bounce for an unknown account, and offline storage delivered with a delay stamp on the next login
(RFC 6121 §5, §8.5; XEP-0160; XEP-0203; PROTOCOL §9.3, §9.4)."""
import uuid

from common import connect, is_message, run_scenario

BODY = "héllo <&> \"wörld\" 👋"
DELAY = "{urn:xmpp:delay}delay"


async def scenario(config, result, clients):
    a_acc, b_acc, c_acc = config.users[0], config.users[1], config.users[2]
    alice = await connect(config, a_acc, clients=clients)
    bob = await connect(config, b_acc, clients=clients)
    await alice.barrier()
    await bob.barrier()

    # alice -> bob's bare JID, bob answers to alice's full JID.
    tag = uuid.uuid4().hex[:8]
    msg = alice.make_message(mto=b_acc.bare, mbody=f"{BODY} {tag}", mtype="chat")
    msg["id"] = f"a2b-{tag}"
    msg["thread"] = f"thread-{tag}"
    msg.send()
    got = await bob.wait_for("alice's message", lambda s: is_message(s, "chat", a_acc.bare, f"{BODY} {tag}"))
    result.equal("from is alice's full JID", str(got["from"]), alice.boundjid.full)
    result.equal("id kept", got["id"], f"a2b-{tag}")
    result.equal("thread kept", got["thread"], f"thread-{tag}")

    reply = bob.make_message(mto=alice.boundjid.full, mbody=f"reply {tag}", mtype="chat")
    reply["id"] = f"b2a-{tag}"
    reply.send()
    got = await alice.wait_for("bob's reply", lambda s: is_message(s, "chat", b_acc.bare, f"reply {tag}"))
    result.equal("reply from bob's full JID", str(got["from"]), bob.boundjid.full)
    result.equal("reply id kept", got["id"], f"b2a-{tag}")

    # A normal message (no type) is delivered too.
    alice.send_message(mto=b_acc.bare, mbody=f"normal {tag}")
    await bob.wait_for("normal message", lambda s: is_message(s, "normal", a_acc.bare, f"normal {tag}"))
    result.check("normal message delivered", True)

    # RFC 6121 §8.5.1: unknown local account -> service-unavailable error back to the sender.
    missing = f"nobody-{tag}@{config.domain}"
    bounce = alice.make_message(mto=missing, mbody="anyone?", mtype="chat")
    bounce["id"] = f"bounce-{tag}"
    bounce.send()
    err = await alice.wait_for("error for unknown account",
                               lambda s: s.name == "message" and s["type"] == "error" and s["id"] == f"bounce-{tag}")
    result.equal("bounce condition", err["error"]["condition"], "service-unavailable")
    result.equal("bounce from the addressed JID", str(err["from"]), missing)

    # Offline storage: carol is offline, gets the message with a delay stamp after her initial presence.
    alice.send_message(mto=c_acc.bare, mbody=f"offline {tag}", mtype="chat")
    await alice.barrier()
    carol = await connect(config, c_acc, clients=clients)
    stored = await carol.wait_for("offline message", lambda s: is_message(s, "chat", a_acc.bare, f"offline {tag}"))
    delay = stored.xml.find(DELAY)
    result.check("offline message has a delay stamp", delay is not None and bool(delay.get("stamp")), str(stored))
    result.note("offline_delay_from", delay.get("from"))
    # It was delivered once: a later login sees nothing more.
    await carol.disconnect(wait=2.0)
    carol2 = await connect(config, c_acc, clients=clients)
    await carol2.barrier()
    await carol2.expect_nothing("offline message again", lambda s: is_message(s, body=f"offline {tag}"), 1.0)
    result.check("offline message delivered once", True)


if __name__ == "__main__":
    run_scenario("messages", __doc__, 3, scenario)
