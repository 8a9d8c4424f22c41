#!/usr/bin/env python3
"""Room archive (XEP-0313 §5 on a XEP-0045 room; PROTOCOL §6.2, §6.4): after a few groupchat messages, occupants
query the room's archive with slixmpp's MAM plugin and get them oldest first, from room/nick, with the room's
stanza-ids and a delay from the MUC service. Skipped when there is no MUC service or the room does not advertise
urn:xmpp:mam:2."""
import uuid

from common import Skipped, connect, is_message, run_scenario, server_items

MAM = "urn:xmpp:mam:2"
FORWARDED = f"{{{MAM}}}result/{{urn:xmpp:forward:0}}forwarded"


async def scenario(config, result, clients):
    a_acc, b_acc = config.users[0], config.users[1]
    plugins = ("xep_0045", "xep_0313", "xep_0059")
    alice = await connect(config, a_acc, plugins=plugins, clients=clients)
    if config.muc_domain not in [str(j) for j in await server_items(alice)]:
        raise Skipped(f"no {config.muc_domain} in the server's disco#items")
    bob = await connect(config, b_acc, plugins=plugins, clients=clients)
    tag = uuid.uuid4().hex[:8]
    room = f"archive-{tag}@{config.muc_domain}"
    await alice["xep_0045"].join_muc_wait(room, "alice", maxstanzas=0, timeout=config.step)
    info = await alice["xep_0030"].get_info(jid=room, timeout=config.step)
    if MAM not in info["disco_info"]["features"]:
        raise Skipped(f"the room does not advertise {MAM}")
    await bob["xep_0045"].join_muc_wait(room, "bob", maxstanzas=0, timeout=config.step)

    sent = []
    live_ids = {}
    for i, (sender, nick) in enumerate(((alice, "alice"), (bob, "bob"), (alice, "alice"))):
        body = f"archived {tag} #{i}"
        sender.send_message(mto=room, mbody=body, mtype="groupchat")
        echo = await sender.wait_for(f"reflection #{i}", lambda s, b=body: is_message(s, "groupchat", body=b))
        sid = echo.xml.find("{urn:xmpp:sid:0}stanza-id")
        live_ids[body] = sid.get("id") if sid is not None else None
        sent.append((f"{room}/{nick}", body))

    for client, label in ((alice, "alice"), (bob, "bob")):
        reply = await client["xep_0313"].retrieve(jid=room, rsm={"max": 20}, timeout=config.step)
        entries = []
        for r in reply["mam"]["results"]:
            forwarded = r.xml.find(FORWARDED)
            message = forwarded.find("{jabber:client}message")
            delay = forwarded.find("{urn:xmpp:delay}delay")
            entries.append((message.get("from"), message.findtext("{jabber:client}body"),
                            r.xml.find(f"{{{MAM}}}result").get("id"), delay.get("from") if delay is not None else None))
        result.equal(f"{label}: archive oldest first, from room/nick", [(f, b) for f, b, _, _ in entries], sent)
        result.check(f"{label}: archive ids are the live stanza-ids",
                     all(live_ids.get(b) == i for _, b, i, _ in entries), entries)
        result.check(f"{label}: delay from the MUC service", all(d == config.muc_domain for *_, d in entries), entries)
        fin = reply.xml.find(f"{{{MAM}}}fin")
        result.equal(f"{label}: fin complete", fin.get("complete") if fin is not None else None, "true")

    alice["xep_0045"].leave_muc(room, "alice")
    bob["xep_0045"].leave_muc(room, "bob")


if __name__ == "__main__":
    run_scenario("muc_archive", __doc__, 2, scenario)
