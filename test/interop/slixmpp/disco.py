#!/usr/bin/env python3
"""Service discovery (XEP-0030): the server's identity and features (everything we implement), its items (the MUC
service when loaded), an account's bare JID, an unknown node, and a query routed to another user's client."""
from common import IqError, connect, run_scenario

# What the standard profile implements on the server host (PROTOCOL §9.6 and the module list).
REQUIRED = [
    "http://jabber.org/protocol/disco#info",
    "http://jabber.org/protocol/disco#items",
    "urn:xmpp:ping",
    "vcard-temp",
    "jabber:iq:private",
    "jabber:iq:last",
    "jabber:iq:version",
    "urn:xmpp:time",
    "urn:xmpp:carbons:2",
    "urn:xmpp:blocking",
    "msgoffline",
]


async def scenario(config, result, clients):
    alice = await connect(config, config.users[0], plugins=("xep_0092",), clients=clients)
    bob = await connect(config, config.users[1], plugins=("xep_0092",), clients=clients)
    disco = alice["xep_0030"]

    info = await disco.get_info(jid=config.domain, timeout=config.step)
    identities = [tuple(i[:2]) for i in info["disco_info"]["identities"]]
    features = sorted(info["disco_info"]["features"])
    result.note("server_features", features)
    result.check("server identity server/im", ("server", "im") in identities, identities)
    missing = [f for f in REQUIRED if f not in features]
    result.check("server features cover the implemented XEPs", not missing, f"missing {missing}")

    items = await disco.get_items(jid=config.domain, timeout=config.step)
    jids = [str(i[0]) for i in items["disco_items"]["items"]]
    result.note("server_items", jids)
    if config.muc_domain in jids:
        muc = await disco.get_info(jid=config.muc_domain, timeout=config.step)
        muc_identities = [tuple(i[:2]) for i in muc["disco_info"]["identities"]]
        result.check("MUC service identity conference/text", ("conference", "text") in muc_identities, muc_identities)
        result.check("MUC service feature", "http://jabber.org/protocol/muc" in muc["disco_info"]["features"])

    # An account's bare JID answers for the account (XEP-0030 §3.1, RFC 6121 §… account identity).
    own = await disco.get_info(jid=config.users[0].bare, timeout=config.step)
    own_identities = [tuple(i[:2]) for i in own["disco_info"]["identities"]]
    result.check("own bare JID identity account/registered", ("account", "registered") in own_identities,
                 own_identities)
    other = await disco.get_info(jid=config.users[1].bare, timeout=config.step)
    result.check("contact bare JID answers", "http://jabber.org/protocol/disco#info" in other["disco_info"]["features"])

    # XEP-0030 §3.2: an unknown node is item-not-found.
    try:
        await disco.get_info(jid=config.domain, node="no-such-node", timeout=config.step)
        result.check("unknown node refused", False, "got a result")
    except IqError as error:
        result.equal("unknown node refused", error.iq["error"]["condition"], "item-not-found")

    # A query to a full JID is routed to that client, which answers itself (RFC 6120 §10.5.4).
    peer = await disco.get_info(jid=bob.boundjid.full, timeout=config.step)
    result.check("full JID query answered by the client", "jabber:iq:version" in peer["disco_info"]["features"],
                 list(peer["disco_info"]["features"]))
    result.equal("answer comes from the client", str(peer["from"]), bob.boundjid.full)


if __name__ == "__main__":
    run_scenario("disco", __doc__, 2, scenario)
