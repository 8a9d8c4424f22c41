#!/usr/bin/env python3
"""Roster and presence corner cases generic clients rely on (RFC 6121): a subscription request to an offline contact
is stored and redelivered at each login until answered (§3.1.3), an approval while the requester is offline shows in
its roster and a probe brings the contact's presence at login (§3.1.6, §4.3), unsubscribe and denial reset the states
(§3.2, §3.3), roster errors (§2.3.3, §2.5.3), another user's roster is forbidden (§2.1.5), a non-ASCII name and
several groups round-trip, a message to one's own bare JID reaches every resource, a negative priority resource gets
no bare-JID messages (§8.5.2.1.1), directed presence is followed by unavailable (§4.6.3), and an unclean disconnect
is broadcast as unavailable (§4.5)."""
import uuid

from common import IqError, connect, element, is_message, is_presence, is_roster_push, kill, roster_items, run_scenario


def sub(items, jid):
    item = items.get(jid)
    return None if item is None else (item.get("subscription") or "none", item.get("ask") or "")


async def scenario(config, result, clients):
    a_acc, b_acc, c_acc = config.users[0], config.users[1], config.users[2]
    tag = uuid.uuid4().hex[:8]
    alice = await connect(config, a_acc, clients=clients)
    await roster_items(alice)

    # A request to an offline contact is stored, delivered at login, and again at the next one while unanswered.
    alice.send_presence(pto=b_acc.bare, ptype="subscribe")
    await alice.barrier()
    bob = await connect(config, b_acc, clients=clients)
    await bob.wait_for("stored subscribe at login", lambda s: is_presence(s, "subscribe", a_acc.bare))
    await bob.disconnect(wait=2.0)
    bob = await connect(config, b_acc, clients=clients)
    await bob.wait_for("subscribe redelivered at the next login", lambda s: is_presence(s, "subscribe", a_acc.bare))
    await roster_items(bob)
    result.check("offline subscription request stored and redelivered", True)

    # bob approves while alice is offline: alice's roster says `to` at login and the probe brings bob's presence.
    await alice.disconnect(wait=2.0)
    mark = bob.mark()
    bob.send_presence(pto=a_acc.bare, ptype="subscribed")
    await bob.wait_for("roster push (from)", lambda s: is_roster_push(s, a_acc.bare), start=mark)
    alice = await connect(config, a_acc, clients=clients)
    result.equal("approval while offline", sub(await roster_items(alice), b_acc.bare), ("to", ""))
    await alice.wait_for("contact's presence at login", lambda s: is_presence(s, "available", bob.boundjid.full))
    result.check("probe at login", True)

    # Unclean disconnect (TCP reset, no stream management) is an unavailable presence for contacts.
    a_mark = alice.mark()
    bob2 = await connect(config, b_acc, resource="doomed", clients=clients)
    await alice.wait_for("bob/doomed available", lambda s: is_presence(s, "available", bob2.boundjid.full),
                         start=a_mark)
    kill(bob2)
    await alice.wait_for("unavailable after a reset", lambda s: is_presence(s, "unavailable", bob2.boundjid.full),
                         start=a_mark)
    result.check("unclean disconnect broadcast", True)

    # alice unsubscribes: bob is told, alice stops seeing bob, both items go back to none.
    a_mark, b_mark = alice.mark(), bob.mark()
    alice.send_presence(pto=b_acc.bare, ptype="unsubscribe")
    await bob.wait_for("unsubscribe", lambda s: is_presence(s, "unsubscribe", a_acc.bare), start=b_mark)
    await alice.wait_for("unavailable after unsubscribe", lambda s: is_presence(s, "unavailable", bob.boundjid.full),
                         start=a_mark)
    result.equal("alice after unsubscribe", sub(await roster_items(alice), b_acc.bare), ("none", ""))
    result.equal("bob after unsubscribe", sub(await roster_items(bob), a_acc.bare), ("none", ""))

    # bob asks, alice denies: bob's pending request is cleared.
    b_mark = bob.mark()
    bob.send_presence(pto=a_acc.bare, ptype="subscribe")
    await alice.wait_for("bob's request", lambda s: is_presence(s, "subscribe", b_acc.bare), start=a_mark)
    alice.send_presence(pto=b_acc.bare, ptype="unsubscribed")
    await bob.wait_for("denial", lambda s: is_presence(s, "unsubscribed", a_acc.bare), start=b_mark)
    result.equal("denied request cleared", sub(await roster_items(bob), a_acc.bare), ("none", ""))

    # Roster errors and privacy.
    try:
        await alice.del_roster_item(f"ghost-{tag}@{config.domain}")
        result.check("removing an absent item is item-not-found", False, "got a result")
    except IqError as error:
        result.equal("removing an absent item is item-not-found", error.iq["error"]["condition"], "item-not-found")
    iq = alice.Iq()
    iq["type"] = "set"
    iq.xml.append(element(f'<query xmlns="jabber:iq:roster"><item jid="x1-{tag}@{config.domain}"/>'
                          f'<item jid="x2-{tag}@{config.domain}"/></query>'))
    try:
        await alice.iq(iq)
        result.check("two items in one set is bad-request", False, "got a result")
    except IqError as error:
        result.equal("two items in one set is bad-request", error.iq["error"]["condition"], "bad-request")
    iq = bob.Iq()
    iq["type"] = "get"
    iq["to"] = a_acc.bare
    iq.enable("roster")
    try:
        await bob.iq(iq)
        result.check("another user's roster is forbidden", False, "got a result")
    except IqError as error:
        result.equal("another user's roster is forbidden", error.iq["error"]["condition"], "forbidden")
    contact = f"u-{tag}@{config.domain}"
    await alice.update_roster(contact, name="Zoë ☃ & <x>", groups=["G1", "Gruppé 2"])
    item = (await roster_items(alice)).get(contact, {})
    result.check("non-ASCII name and two groups round-trip", item.get("name") == "Zoë ☃ & <x>"
                 and sorted(item.get("groups", [])) == ["G1", "Gruppé 2"], item)
    await alice.del_roster_item(contact)

    # A message to one's own bare JID reaches every available resource (note to self).
    alice2 = await connect(config, a_acc, resource="second", clients=clients)
    alice.send_message(mto=a_acc.bare, mbody=f"self {tag}", mtype="chat")
    for client in (alice, alice2):
        await client.wait_for("note to self", lambda s: is_message(s, "chat", alice.boundjid.full, f"self {tag}"))
    result.check("note to self on every resource", True)

    # Negative priority: no bare-JID messages for that resource.
    alice2.send_presence(ppriority=-1)
    await alice2.barrier()
    mark = alice2.mark()
    carol = await connect(config, c_acc, clients=clients)
    carol.send_message(mto=a_acc.bare, mbody=f"prio {tag}", mtype="chat")
    await alice.wait_for("bare message on priority 0", lambda s: is_message(s, "chat", body=f"prio {tag}"))
    await carol.barrier()
    await alice2.barrier()
    result.check("negative priority resource skipped",
                 not any(is_message(s, body=f"prio {tag}") for s in alice2.inbox[mark:]))

    # Directed presence, then disconnect: the recipient gets unavailable (RFC 6121 §4.6.3).
    c_mark = carol.mark()
    alice2.send_presence(pto=carol.boundjid.full, pstatus="directed")
    await carol.wait_for("directed presence", lambda s: is_presence(s, "available", alice2.boundjid.full),
                         start=c_mark)
    await alice2.disconnect(wait=2.0)
    await carol.wait_for("unavailable after directed", lambda s: is_presence(s, "unavailable", alice2.boundjid.full),
                         start=c_mark)
    result.check("directed presence followed by unavailable", True)

    await alice.del_roster_item(b_acc.bare)
    await bob.del_roster_item(a_acc.bare)


if __name__ == "__main__":
    run_scenario("presence_edge", __doc__, 3, scenario)
