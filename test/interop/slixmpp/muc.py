#!/usr/bin/env python3
"""Multi-user chat (XEP-0045) with slixmpp's plugin against the standard profile: a local user creates a room by
joining (201, owner), configures it (muc#owner form, status 104), a second user joins, groupchat both ways with
reflection, a private message, a subject change, and both leave (110 on the
self-presence; the temporary room disappears). Skipped when the server lists no conference.<domain> service."""
import uuid

from common import IqError, Skipped, connect, is_message, is_presence, run_scenario, server_items

MUC_USER = "http://jabber.org/protocol/muc#user"


def status_codes(stanza):
    return {int(s.get("code")) for s in stanza.xml.findall(f"{{{MUC_USER}}}x/{{{MUC_USER}}}status")}


def item(stanza):
    found = stanza.xml.find(f"{{{MUC_USER}}}x/{{{MUC_USER}}}item")
    return {} if found is None else dict(found.attrib)


def groupchat(room, nick, body):
    return lambda s: is_message(s, "groupchat", f"{room}/{nick}", body)


async def scenario(config, result, clients):
    a_acc, b_acc = config.users[0], config.users[1]
    plugins = ("xep_0045", "xep_0004")
    alice = await connect(config, a_acc, plugins=plugins, clients=clients)
    if config.muc_domain not in [str(j) for j in await server_items(alice)]:
        raise Skipped(f"no {config.muc_domain} in the server's disco#items")
    bob = await connect(config, b_acc, plugins=plugins, clients=clients)
    muc_a, muc_b = alice["xep_0045"], bob["xep_0045"]
    tag = uuid.uuid4().hex[:8]
    room = f"interop-{tag}@{config.muc_domain}"

    # Creation by join (XEP-0045 §10.1; standard profile muc.access_create = local).
    own, subject, occupants, _history = await muc_a.join_muc_wait(room, "alice", maxstanzas=0, timeout=config.step)
    result.check("created: status 110 and 201", {110, 201} <= status_codes(own), status_codes(own))
    result.check("creator is owner/moderator", item(own).get("affiliation") == "owner"
                 and item(own).get("role") == "moderator", item(own))
    result.equal("subject message on join", subject["type"], "groupchat")

    # Owner configuration (§10.2): get the form, rename, keep it temporary; occupants see status 104.
    form = await muc_a.get_room_config(room, timeout=config.step)
    fields = form.get_fields()
    # Read from the XML: slixmpp 1.8.3 forgets a parsed field's type and reports every value as a list.
    form_type = form.xml.find("{jabber:x:data}field[@var='FORM_TYPE']")
    result.check("config FORM_TYPE (hidden)", form_type is not None and form_type.get("type") == "hidden" and
                 form_type.findtext("{jabber:x:data}value") == "http://jabber.org/protocol/muc#roomconfig", str(form))
    result.check("config has the room name field", "muc#roomconfig_roomname" in fields, sorted(fields))
    fields["muc#roomconfig_roomname"]["value"] = f"Interop {tag}"
    fields["muc#roomconfig_roomdesc"]["value"] = "slixmpp interop room"
    if "muc#roomconfig_persistentroom" in fields:
        fields["muc#roomconfig_persistentroom"]["value"] = False
    mark = alice.mark()
    await muc_a.set_room_config(room, form, timeout=config.step)
    note = await alice.wait_for("status 104", lambda s: s.name == "message" and str(s["from"]) == room
                                and 104 in status_codes(s), start=mark)
    result.check("configuration change notified (104)", note is not None)
    info = await alice["xep_0030"].get_info(jid=room, timeout=config.step)
    names = [i[3] for i in info["disco_info"]["identities"] if i[0] == "conference"]
    result.equal("room disco#info name", names, [f"Interop {tag}"])
    result.check("room is temporary", "muc_temporary" in info["disco_info"]["features"],
                 list(info["disco_info"]["features"]))

    # bob joins: he sees alice, alice sees him (§7.2.3).
    a_mark = alice.mark()
    b_own, _subject, b_occupants, _history = await muc_b.join_muc_wait(room, "bob", maxstanzas=0,
                                                                      timeout=config.step)
    result.check("bob's self-presence has 110", 110 in status_codes(b_own) and 201 not in status_codes(b_own),
                 status_codes(b_own))
    # slixmpp's occupant list also holds the joiner's own presence.
    result.equal("bob sees alice as occupant", sorted(str(p["from"]) for p in b_occupants),
                 [f"{room}/alice", f"{room}/bob"])
    result.equal("bob joins as participant", item(b_own).get("role"), "participant")
    await alice.wait_for("bob's join", lambda s: is_presence(s, "available", f"{room}/bob"), start=a_mark)

    # Groupchat both ways; each sender gets its reflection with its id (§7.4).
    for sender, name, other in ((alice, "alice", bob), (bob, "bob", alice)):
        body = f"hello from {name} {tag}"
        msg = sender.make_message(mto=room, mbody=body, mtype="groupchat")
        msg["id"] = f"gc-{name}-{tag}"
        msg.send()
        got = await other.wait_for(f"{name}'s groupchat", groupchat(room, name, body))
        echo = await sender.wait_for(f"{name}'s reflection", groupchat(room, name, body))
        result.equal(f"{name}: reflection keeps the id", echo["id"], f"gc-{name}-{tag}")
        sid = got.xml.find("{urn:xmpp:sid:0}stanza-id")
        result.check(f"{name}: stanza-id by the room", sid is not None and sid.get("by") == room, str(got))

    # Private message through the room (§7.5).
    pm = f"private {tag}"
    alice.send_message(mto=f"{room}/bob", mbody=pm, mtype="chat")
    got = await bob.wait_for("private message", lambda s: is_message(s, "chat", f"{room}/alice", pm))
    result.check("private message from room/nick", got is not None)

    # Subject change (§8.1).
    b_mark = bob.mark()
    muc_a.set_subject(room, f"Topic {tag}")
    got = await bob.wait_for("subject", lambda s: s.name == "message" and s["subject"] == f"Topic {tag}",
                             start=b_mark)
    result.equal("subject from alice's nick", str(got["from"]), f"{room}/alice")

    # Leaving (§7.14): bob's own unavailable carries 110, alice sees bob go.
    a_mark, b_mark = alice.mark(), bob.mark()
    muc_b.leave_muc(room, "bob")
    bye = await bob.wait_for("bob's leave", lambda s: is_presence(s, "unavailable", f"{room}/bob"), start=b_mark)
    result.check("leave self-presence has 110", 110 in status_codes(bye), status_codes(bye))
    await alice.wait_for("bob gone", lambda s: is_presence(s, "unavailable", f"{room}/bob"), start=a_mark)
    a_mark = alice.mark()
    muc_a.leave_muc(room, "alice")
    await alice.wait_for("alice's leave", lambda s: is_presence(s, "unavailable", f"{room}/alice"), start=a_mark)

    # The temporary room is gone once empty (§10.1.3 / PROTOCOL §3.5).
    try:
        await alice["xep_0030"].get_info(jid=room, timeout=config.step)
        result.check("temporary room destroyed when empty", False, "room still answers disco#info")
    except IqError as error:
        result.equal("temporary room destroyed when empty", error.iq["error"]["condition"], "item-not-found")


if __name__ == "__main__":
    run_scenario("muc", __doc__, 2, scenario)
