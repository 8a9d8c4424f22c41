#!/usr/bin/env python3
"""Roster and presence between two users: roster set and push, the subscription handshake in both directions,
presence broadcast to contacts (show/status, a second resource, probes on login, unavailable), and removal with
its unsubscribe side effects (RFC 6121 §2, §3, §4)."""
from common import (connect, is_presence, is_roster_push, roster_items, run_scenario)


def subscription(items, jid):
    item = items.get(jid)
    return None if item is None else (item.get("subscription") or "none")


async def reset(client, contact):
    """Makes reruns against a long-lived server start from an empty relationship."""
    if contact in await roster_items(client):
        await client.del_roster_item(contact)
        await client.wait_for("roster removal push", lambda s: is_roster_push(s, contact))


async def scenario(config, result, clients):
    a_acc, b_acc = config.users[0], config.users[1]
    alice = await connect(config, a_acc, presence=False, clients=clients)
    bob = await connect(config, b_acc, presence=False, clients=clients)
    # Both request the roster first: they become "interested resources" that get roster pushes (RFC 6121 §2.1.6).
    await reset(alice, b_acc.bare)
    await reset(bob, a_acc.bare)
    alice.send_presence()
    bob.send_presence()
    await alice.barrier()
    await bob.barrier()

    # Roster set (RFC 6121 §2.3): a push to the interested resource, then the item in a get.
    mark = alice.mark()
    await alice.update_roster(b_acc.bare, name="Bob", groups=["Friends"])
    await alice.wait_for("roster push for bob", lambda s: is_roster_push(s, b_acc.bare), start=mark)
    items = await roster_items(alice)
    item = items.get(b_acc.bare, {})
    result.check("roster item added", item.get("name") == "Bob" and list(item.get("groups", [])) == ["Friends"],
                 item)
    result.equal("new item has subscription none", subscription(items, b_acc.bare), "none")

    # alice subscribes to bob (RFC 6121 §3.1): bob gets the request from alice's bare JID, alice's item is pending.
    b_mark = bob.mark()
    alice.send_presence(pto=b_acc.bare, ptype="subscribe")
    request = await bob.wait_for("subscribe from alice", lambda s: is_presence(s, "subscribe", a_acc.bare),
                                 start=b_mark)
    result.equal("subscribe comes from the bare JID", str(request["from"]), a_acc.bare)
    items = await roster_items(alice)
    result.equal("pending out (ask=subscribe)", items.get(b_acc.bare, {}).get("ask"), "subscribe")

    # bob approves: alice gets `subscribed`, subscription `to`, then bob's current presence (§3.1.5, §3.1.6).
    a_mark = alice.mark()
    bob.send_presence(pto=a_acc.bare, ptype="subscribed")
    await alice.wait_for("subscribed from bob", lambda s: is_presence(s, "subscribed", b_acc.bare), start=a_mark)
    await alice.wait_for("bob's available presence after approval",
                         lambda s: is_presence(s, "available", bob.boundjid.full), start=a_mark)
    await bob.wait_for("roster push for alice (from)", lambda s: is_roster_push(s, a_acc.bare), start=b_mark)
    result.equal("alice -> bob is 'to'", subscription(await roster_items(alice), b_acc.bare), "to")
    result.equal("bob -> alice is 'from'", subscription(await roster_items(bob), a_acc.bare), "from")

    # The reverse direction makes it mutual.
    a_mark, b_mark = alice.mark(), bob.mark()
    bob.send_presence(pto=a_acc.bare, ptype="subscribe")
    await alice.wait_for("subscribe from bob", lambda s: is_presence(s, "subscribe", b_acc.bare), start=a_mark)
    alice.send_presence(pto=b_acc.bare, ptype="subscribed")
    await bob.wait_for("subscribed from alice", lambda s: is_presence(s, "subscribed", a_acc.bare), start=b_mark)
    await bob.wait_for("alice's available presence after approval",
                       lambda s: is_presence(s, "available", alice.boundjid.full), start=b_mark)
    result.equal("alice -> bob is 'both'", subscription(await roster_items(alice), b_acc.bare), "both")
    result.equal("bob -> alice is 'both'", subscription(await roster_items(bob), a_acc.bare), "both")

    # Broadcast of a presence change to contacts (RFC 6121 §4.4.2).
    a_mark = alice.mark()
    bob.send_presence(pshow="away", pstatus="interop away")
    away = await alice.wait_for("bob away", lambda s: is_presence(s, "available", bob.boundjid.full)
                                and s["show"] == "away", start=a_mark)
    result.equal("status text broadcast", away["status"], "interop away")

    # A second resource of bob: its initial presence reaches alice and bob's first resource (§4.2.2), and it
    # receives alice's presence in reply to the server's probe (§4.3).
    a_mark, b_mark = alice.mark(), bob.mark()
    bob2 = await connect(config, b_acc, resource="second", presence=False, clients=clients)
    bob2.send_presence(pstatus="second resource")
    await alice.wait_for("bob/second available", lambda s: is_presence(s, "available", bob2.boundjid.full),
                         start=a_mark)
    await bob.wait_for("own other resource available", lambda s: is_presence(s, "available", bob2.boundjid.full),
                       start=b_mark)
    await bob2.wait_for("alice's presence after probe", lambda s: is_presence(s, "available", alice.boundjid.full))
    await bob2.wait_for("own first resource's presence", lambda s: is_presence(s, "available", bob.boundjid.full))
    result.check("second resource presence", True)

    # Unavailable on a clean close is broadcast (§4.5).
    a_mark = alice.mark()
    await bob2.disconnect(wait=2.0)
    await alice.wait_for("bob/second unavailable", lambda s: is_presence(s, "unavailable", bob2.boundjid.full),
                         start=a_mark)
    result.check("unavailable broadcast", True)

    # Removal (RFC 6121 §2.5.2): bob's item for alice goes back to none, and alice stops seeing bob.
    a_mark, b_mark = alice.mark(), bob.mark()
    await alice.del_roster_item(b_acc.bare)
    await alice.wait_for("removal push", lambda s: is_roster_push(s, b_acc.bare)
                         and s["roster"]["items"][b_acc.bare]["subscription"] == "remove", start=a_mark)
    await bob.wait_for("unsubscribe from alice", lambda s: is_presence(s, "unsubscribe", a_acc.bare), start=b_mark)
    await bob.wait_for("unsubscribed from alice", lambda s: is_presence(s, "unsubscribed", a_acc.bare), start=b_mark)
    await alice.wait_for("bob unavailable to alice", lambda s: is_presence(s, "unavailable", bob.boundjid.full),
                         start=a_mark)
    result.check("alice's item removed", b_acc.bare not in await roster_items(alice))
    result.equal("bob's item back to none", subscription(await roster_items(bob), a_acc.bare), "none")
    await reset(bob, a_acc.bare)


if __name__ == "__main__":
    run_scenario("roster_presence", __doc__, 2, scenario)
