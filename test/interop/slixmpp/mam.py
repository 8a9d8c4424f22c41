#!/usr/bin/env python3
"""Message archive (XEP-0313, urn:xmpp:mam:2) with slixmpp's plugin: after a short conversation, each side queries
its own archive (filter `with`, RSM paging both ways, a time filter), results are oldest first with a delay stamp,
and the live message's XEP-0359 stanza-id is the archive id. Skipped when the server does not advertise mam:2."""
import datetime
import uuid

from common import IqError, Skipped, connect, element, is_message, run_scenario, server_features

MAM = "urn:xmpp:mam:2"
SID = "urn:xmpp:sid:0"
FORWARDED = "{urn:xmpp:forward:0}forwarded"


def entry(result_msg):
    """(archive id, inner message element, delay element) of one result message."""
    result = result_msg.xml.find(f"{{{MAM}}}result")
    forwarded = result.find(FORWARDED)
    return result.get("id"), forwarded.find("{jabber:client}message"), forwarded.find("{urn:xmpp:delay}delay")


async def page_backwards(client, with_jid, since, size):
    """RSM backwards paging by hand (<before/> then <before>first</before>) until fin says complete; slixmpp 1.8.3's
    iterator stops after the first backwards page because its end test (first index + page size == count) only
    holds for forward paging."""
    pages, before = [], ""
    for _ in range(50):
        iq = client.make_iq_set()
        query_id = uuid.uuid4().hex
        query = element(f'<query xmlns="{MAM}" queryid="{query_id}"><x xmlns="jabber:x:data" type="submit">'
                        f'<field var="FORM_TYPE" type="hidden"><value>{MAM}</value></field>'
                        f'<field var="with"><value>{with_jid}</value></field>'
                        f'<field var="start"><value>{since.strftime("%Y-%m-%dT%H:%M:%SZ")}</value></field></x>'
                        f'<set xmlns="http://jabber.org/protocol/rsm"><max>{size}</max></set></query>')
        before_el = query.find("{http://jabber.org/protocol/rsm}set").makeelement(
            "{http://jabber.org/protocol/rsm}before", {})
        before_el.text = before or None
        query.find("{http://jabber.org/protocol/rsm}set").append(before_el)
        iq.xml.append(query)
        mark = client.mark()
        reply = await client.iq(iq)
        page = [s for s in client.inbox[mark:] if s.name == "message" and
                s.xml.find(f"{{{MAM}}}result[@queryid='{query_id}']") is not None]
        pages.append(page)
        fin = reply.xml.find(f"{{{MAM}}}fin")
        if fin.get("complete") == "true" or not page:
            return pages
        before = fin.findtext("{http://jabber.org/protocol/rsm}set/{http://jabber.org/protocol/rsm}first")
    raise AssertionError("backwards paging did not complete")


def bodies(results):
    return [entry(r)[1].findtext("{jabber:client}body") for r in results]


async def scenario(config, result, clients):
    a_acc, b_acc = config.users[0], config.users[1]
    plugins = ("xep_0313", "xep_0059", "xep_0359", "xep_0202")
    alice = await connect(config, a_acc, plugins=plugins, clients=clients)
    features = await server_features(alice)
    if MAM not in features:
        raise Skipped(f"server does not advertise {MAM}")
    bob = await connect(config, b_acc, plugins=plugins, clients=clients)
    account = await alice["xep_0030"].get_info(jid=a_acc.bare, timeout=config.step)
    # XEP-0313 §6.1 / Conversations: support for the user's archive is announced on the account's bare JID.
    result.check("mam:2 advertised on the account", MAM in account["disco_info"]["features"],
                 list(account["disco_info"]["features"]))

    # Queries start at the server's current time, so reruns against a long-lived server see only this conversation.
    reply = await alice["xep_0202"].get_entity_time(config.domain, timeout=config.step)
    utc = reply.xml.findtext("{urn:xmpp:time}time/{urn:xmpp:time}utc")
    since = datetime.datetime.fromisoformat(utc.replace("Z", "+00:00")) - datetime.timedelta(seconds=1)
    tag = uuid.uuid4().hex[:8]
    expected = []
    live_ids = []
    for i, (sender, peer, receiver) in enumerate([(alice, b_acc, bob), (bob, a_acc, alice), (alice, b_acc, bob),
                                                  (alice, b_acc, bob), (bob, a_acc, alice)]):
        body = f"mam {tag} #{i}"
        sender.send_message(mto=peer.bare, mbody=body, mtype="chat")
        got = await receiver.wait_for(f"message #{i}", lambda s, b=body: is_message(s, "chat", body=b))
        sid = got.xml.find(f"{{{SID}}}stanza-id")
        live_ids.append((receiver, sid.get("id") if sid is not None else None, sid.get("by") if sid is not None
                         else None))
        expected.append(body)
    # A body-less chat state is not archived (XEP-0313 §5.1.1 leaves it to policy; PROTOCOL §6.2 excludes it).
    state = alice.make_message(mto=b_acc.bare, mtype="chat")
    state.xml.append(state.xml.makeelement("{http://jabber.org/protocol/chatstates}composing", {}))
    state.send()
    await alice.barrier()

    for client, label in ((alice, "alice"), (bob, "bob")):
        peer = b_acc.bare if client is alice else a_acc.bare
        reply = await client["xep_0313"].retrieve(with_jid=peer, start=since, rsm={"max": 50},
                                                  timeout=config.step)
        results = reply["mam"]["results"]
        result.note(f"{label}_result_count", len(results))
        mine = [b for b in bodies(results) if b is not None and tag in b]
        result.equal(f"{label}: whole conversation, oldest first", mine, expected)
        fin = reply.xml.find(f"{{{MAM}}}fin")
        result.equal(f"{label}: fin complete", fin.get("complete") if fin is not None else None, "true")
        result.check(f"{label}: chat state not archived", None not in bodies(results), bodies(results))
        for r in results:
            archive_id, message, delay = entry(r)
            result.check(f"{label}: result from own bare JID", str(r["from"]) in ("", client.boundjid.bare), str(r))
            result.check(f"{label}: delay stamp", delay is not None and delay.get("stamp", "") != "", str(r))
            result.check(f"{label}: archived message has from/to", message.get("from") and message.get("to"), str(r))
        # The live stanza-id of each message this client received is its archive id (XEP-0359 §3).
        archive_ids = {entry(r)[1].findtext("{jabber:client}body"): entry(r)[0] for r in results}
        for (receiver, sid, by), body in zip(live_ids, expected):
            if receiver is client:
                result.check(f"{label}: live stanza-id is the archive id", sid is not None and by == client.boundjid.bare
                             and archive_ids.get(body) == sid, f"live {sid} by {by}, archive {archive_ids.get(body)}")

    # RSM paging with the plugin's iterator (pages of 2), forwards and backwards.
    forward = [m async for m in alice["xep_0313"].iterate(with_jid=b_acc.bare, start=since, rsm={"max": 2})]
    result.equal("paged forwards", [b for b in bodies(forward) if tag in (b or "")], expected)
    pages = await page_backwards(alice, b_acc.bare, since, 2)
    result.check("backwards pages hold at most 2, each oldest first", all(len(p) <= 2 for p in pages) and
                 all([entry(m)[0] for m in p] == sorted((entry(m)[0] for m in p), key=int) for p in pages))
    backward = [m for p in reversed(pages) for m in p]
    result.equal("paged backwards", [b for b in bodies(backward) if tag in (b or "")], expected)

    # Time filter: nothing starts in the future.
    future = datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(hours=1)
    reply = await alice["xep_0313"].retrieve(start=future, rsm={"max": 10}, timeout=config.step)
    result.equal("start in the future is empty", len(reply["mam"]["results"]), 0)

    # Another user's archive is forbidden (XEP-0313 §4; PROTOCOL §6.4).
    try:
        await alice["xep_0313"].retrieve(jid=b_acc.bare, rsm={"max": 1}, timeout=config.step)
        result.check("other user's archive refused", False, "got a result")
    except IqError as error:
        result.equal("other user's archive refused", error.iq["error"]["condition"], "forbidden")


if __name__ == "__main__":
    run_scenario("mam", __doc__, 2, scenario)
