#!/usr/bin/env python3
"""Private XML storage (XEP-0049): legacy bookmarks stored and read back with slixmpp's XEP-0048/0049 plugins,
an arbitrary element kept verbatim, replaced not merged, the read-state blob with quotes, an empty result for
nothing stored, and the refusals of XEP-0049 §3 / PROTOCOL §9.5."""
import json
import uuid

from common import IqError, connect, element, run_scenario

NS = "jabber:iq:private"


async def private_iq(client, iq_type, payload_xml, to=None):
    iq = client.make_iq_set() if iq_type == "set" else client.make_iq_get()
    if to is not None:
        iq["to"] = to
    query = element(f'<query xmlns="{NS}">{payload_xml}</query>')
    iq.xml.append(query)
    return await client.iq(iq)


def stored(reply, tag):
    found = reply.xml.find(f"{{{NS}}}query/{tag}")
    if found is None:
        raise AssertionError(f"{tag} missing in {reply}")
    return found


async def scenario(config, result, clients):
    alice = await connect(config, config.users[0], plugins=("xep_0049", "xep_0048"), clients=clients)
    other = await connect(config, config.users[1], plugins=("xep_0049",), clients=clients)
    tag = uuid.uuid4().hex[:8]

    # Legacy bookmarks (storage:bookmarks) through the plugins, as Gajim and older clients keep them.
    bookmarks = alice["xep_0048"].stanza.Bookmarks()
    bookmarks.add_conference(f"room-{tag}@{config.muc_domain}", "alice", name="Interop room", autojoin=True)
    bookmarks.add_url("https://example.org/", name="Example")
    await alice["xep_0048"].set_bookmarks(bookmarks, timeout=config.step)
    reply = await alice["xep_0048"].get_bookmarks(timeout=config.step)
    conferences = reply["private"]["bookmarks"]["conferences"]
    result.check("bookmark stored", len(conferences) == 1 and str(conferences[0]["jid"]) ==
                 f"room-{tag}@{config.muc_domain}" and conferences[0]["autojoin"] is True, str(reply))
    result.equal("bookmark nick", conferences[0]["nick"], "alice")

    # An arbitrary element is returned verbatim; a second set replaces it (no merge).
    await private_iq(alice, "set", f'<prefs xmlns="interop:prefs:{tag}" a="1"><nick>Hamlet</nick><x/></prefs>')
    reply = await private_iq(alice, "get", f'<prefs xmlns="interop:prefs:{tag}"/>')
    prefs = stored(reply, f"{{interop:prefs:{tag}}}prefs")
    result.check("element kept verbatim", prefs.get("a") == "1" and prefs.findtext(f"{{interop:prefs:{tag}}}nick")
                 == "Hamlet" and prefs.find(f"{{interop:prefs:{tag}}}x") is not None, str(reply))
    await private_iq(alice, "set", f'<prefs xmlns="interop:prefs:{tag}" b="2"/>')
    reply = await private_iq(alice, "get", f'<prefs xmlns="interop:prefs:{tag}"/>')
    prefs = stored(reply, f"{{interop:prefs:{tag}}}prefs")
    result.check("set replaces", prefs.get("b") == "2" and prefs.get("a") is None and len(prefs) == 0, str(reply))

    # The read-state blob: JSON in an attribute, quotes included (PROTOCOL §9.5).
    blob = json.dumps({f"room-{tag}@{config.muc_domain}": "1772618245224"})
    chatjson = element('<chatjson xmlns="chatjson:store"/>')
    chatjson.set("value", blob)
    iq = alice.make_iq_set()
    query = element(f'<query xmlns="{NS}"/>')
    query.append(chatjson)
    iq.xml.append(query)
    await alice.iq(iq)
    reply = await private_iq(alice, "get", '<chatjson xmlns="chatjson:store"/>')
    result.equal("JSON blob round trip", stored(reply, "{chatjson:store}chatjson").get("value"), blob)

    # Nothing stored: the requested element comes back empty (XEP-0049 §2.2).
    reply = await private_iq(alice, "get", f'<none xmlns="interop:none:{tag}"/>')
    empty = stored(reply, f"{{interop:none:{tag}}}none")
    result.check("empty element for nothing stored", len(empty) == 0 and not empty.attrib, str(reply))

    # Private data is per account: bob sees none of alice's data.
    reply = await private_iq(other, "get", f'<prefs xmlns="interop:prefs:{tag}"/>')
    result.check("per-account storage", len(stored(reply, f"{{interop:prefs:{tag}}}prefs")) == 0, str(reply))

    # Refusals: the jabber:iq:private namespace itself (XEP-0049 §3) and another user's storage.
    for label, payload, to, condition in (
        ("reserved namespace refused", f'<q xmlns="{NS}"/>', None, "not-acceptable"),
        ("other user's storage refused", f'<prefs xmlns="interop:prefs:{tag}"/>', config.users[0].bare, "forbidden"),
    ):
        try:
            await private_iq(other if to else alice, "get", payload, to)
            result.check(label, False, "got a result")
        except IqError as error:
            result.equal(label, error.iq["error"]["condition"], condition)


if __name__ == "__main__":
    run_scenario("private", __doc__, 2, scenario)
