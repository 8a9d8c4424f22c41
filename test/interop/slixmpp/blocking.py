#!/usr/bin/env python3
"""Blocking command (XEP-0191 §3): block, blocklist, pushes to the user's other resource, a blocked contact's
message refused with service-unavailable, the user's own message to a blocked JID refused with not-acceptable +
<blocked/>, blocked presence and IQ, unblock and unblock-all, and delivery again afterwards."""
import uuid

from common import IqError, connect, is_message, run_scenario

ERRORS = "urn:xmpp:blocking:errors"


def blocked_set(reply):
    return {str(j) for j in reply["blocklist"]["items"]}


def is_push(kind, jid=None):
    def match(s):
        if s.name != "iq" or s["type"] != "set" or s.xml.find(f"{{urn:xmpp:blocking}}{kind}") is None:
            return False
        return jid is None or jid in {str(j) for j in s[kind]["items"]}
    return match


async def scenario(config, result, clients):
    a_acc, b_acc, c_acc = config.users[0], config.users[1], config.users[2]
    plugins = ("xep_0191",)
    alice = await connect(config, a_acc, plugins=plugins, clients=clients)
    alice2 = await connect(config, a_acc, plugins=plugins, resource="second", clients=clients)
    bob = await connect(config, b_acc, plugins=plugins, clients=clients)
    carol = await connect(config, c_acc, plugins=plugins, clients=clients)
    tag = uuid.uuid4().hex[:8]

    # Start from an empty list (an empty <unblock/> unblocks everyone, §3.4); both resources become interested.
    if blocked_set(await alice["xep_0191"].get_blocked(timeout=config.step)):
        await alice["xep_0191"].unblock([], timeout=config.step)
    result.equal("empty blocklist", blocked_set(await alice2["xep_0191"].get_blocked(timeout=config.step)), set())

    mark = alice2.mark()
    await alice["xep_0191"].block([b_acc.bare, f"spam-{tag}.example"], timeout=config.step)
    push = await alice2.wait_for("block push", is_push("block", b_acc.bare), start=mark)
    result.check("block push to the other resource", True, str(push))
    listed = blocked_set(await alice["xep_0191"].get_blocked(timeout=config.step))
    result.equal("blocklist after block", listed, {b_acc.bare, f"spam-{tag}.example"})

    # bob -> alice: not delivered, bob gets service-unavailable (§3.3).
    mark = bob.mark()
    msg = bob.make_message(mto=a_acc.bare, mbody=f"blocked {tag}", mtype="chat")
    msg["id"] = f"blocked-{tag}"
    msg.send()
    err = await bob.wait_for("error for blocked message", lambda s: is_message(s, "error") and s["id"] ==
                             f"blocked-{tag}", start=mark)
    result.equal("blocked message bounces with service-unavailable", err["error"]["condition"], "service-unavailable")

    # bob's IQ to alice's full JID: service-unavailable; no presence leaks.
    try:
        await bob["xep_0199"].send_ping(alice.boundjid.full, timeout=config.step)
        result.check("blocked IQ refused", False, "got a result")
    except IqError as error:
        result.equal("blocked IQ refused", error.iq["error"]["condition"], "service-unavailable")
    bob.send_presence(pto=alice.boundjid.full, pstatus=f"directed {tag}")

    # alice -> bob: refused locally with not-acceptable + <blocked/> (§3.3).
    mark = alice.mark()
    out = alice.make_message(mto=b_acc.bare, mbody=f"to blocked {tag}", mtype="chat")
    out["id"] = f"out-{tag}"
    out.send()
    err = await alice.wait_for("error for message to blocked JID", lambda s: is_message(s, "error") and s["id"] ==
                               f"out-{tag}", start=mark)
    result.equal("outbound to blocked JID refused", err["error"]["condition"], "not-acceptable")
    result.check("blocked app condition", err.xml.find(f"{{jabber:client}}error/{{{ERRORS}}}blocked") is not None,
                 str(err))

    # Nobody else is affected: carol still reaches alice.
    carol.send_message(mto=a_acc.bare, mbody=f"from carol {tag}", mtype="chat")
    await alice.wait_for("carol's message", lambda s: is_message(s, "chat", c_acc.bare, f"from carol {tag}"))
    await bob.barrier()  # bob's stanzas are processed in order: all of them are dealt with
    for client in (alice, alice2):
        await client.barrier()
    for client in (alice, alice2):
        await client.expect_nothing("anything from bob", lambda s: s.name in ("message", "presence")
                                    and s["type"] != "error" and s["from"].bare == b_acc.bare, 0.5)
    result.check("nothing from bob delivered", True)

    # Unblock bob: push, list, and delivery again.
    mark = alice2.mark()
    await alice["xep_0191"].unblock([b_acc.bare], timeout=config.step)
    await alice2.wait_for("unblock push", is_push("unblock", b_acc.bare), start=mark)
    result.equal("blocklist after unblock", blocked_set(await alice["xep_0191"].get_blocked(timeout=config.step)),
                 {f"spam-{tag}.example"})
    bob.send_message(mto=a_acc.bare, mbody=f"unblocked {tag}", mtype="chat")
    await alice.wait_for("bob's message after unblock", lambda s: is_message(s, "chat", b_acc.bare,
                                                                            f"unblocked {tag}"))
    result.check("delivered after unblock", True)

    # Unblock all (§3.4): an empty <unblock/>, pushed as such.
    mark = alice2.mark()
    await alice["xep_0191"].unblock([], timeout=config.step)
    await alice2.wait_for("unblock-all push", lambda s: is_push("unblock")(s) and len(s["unblock"]["items"]) == 0,
                          start=mark)
    result.equal("blocklist empty after unblock-all",
                 blocked_set(await alice["xep_0191"].get_blocked(timeout=config.step)), set())


if __name__ == "__main__":
    run_scenario("blocking", __doc__, 3, scenario)
