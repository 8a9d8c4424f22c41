#!/usr/bin/env python3
"""Entity time (XEP-0202), software version (XEP-0092) and last activity (XEP-0012) of the server, of another
client (routed to its full JID), and of a contact who logged out (with and without a presence subscription)."""
import datetime
import re

from common import IqError, connect, is_presence, roster_items, run_scenario

PLUGINS = ("xep_0092", "xep_0202", "xep_0012")


async def subscribe(watcher, contact):
    """`watcher` gets a `to` subscription to `contact` (RFC 6121 §3.1)."""
    mark = watcher.mark()
    watcher.send_presence(pto=contact.boundjid.bare, ptype="subscribe")
    await contact.wait_for("subscribe", lambda s: is_presence(s, "subscribe", watcher.boundjid.bare))
    contact.send_presence(pto=watcher.boundjid.bare, ptype="subscribed")
    await watcher.wait_for("subscribed", lambda s: is_presence(s, "subscribed", contact.boundjid.bare), start=mark)


async def scenario(config, result, clients):
    a_acc, b_acc, c_acc = config.users[0], config.users[1], config.users[2]
    alice = await connect(config, a_acc, plugins=PLUGINS, clients=clients)
    bob = await connect(config, b_acc, plugins=PLUGINS, clients=clients)
    carol = await connect(config, c_acc, plugins=PLUGINS, clients=clients)

    # Entity time of the server: XEP-0082 UTC and a TZO.
    reply = await alice["xep_0202"].get_entity_time(config.domain, timeout=config.step)
    utc = reply.xml.find("{urn:xmpp:time}time/{urn:xmpp:time}utc").text
    tzo = reply.xml.find("{urn:xmpp:time}time/{urn:xmpp:time}tzo").text
    result.note("server_time", {"utc": utc, "tzo": tzo})
    parsed = datetime.datetime.fromisoformat(utc.replace("Z", "+00:00"))
    skew = abs((parsed - datetime.datetime.now(datetime.timezone.utc)).total_seconds())
    result.check("server time is now (UTC)", skew < 300, f"skew {skew}s")
    result.check("tzo format", re.fullmatch(r"[+-]\d\d:\d\d|Z", tzo) is not None, tzo)

    # Software version of the server, and of bob's client (routed to it).
    reply = await alice["xep_0092"].get_version(config.domain, timeout=config.step)
    version = reply["software_version"]
    result.note("server_version", {"name": version["name"], "version": version["version"]})
    result.check("server version has name and version", bool(version["name"]) and bool(version["version"]))
    reply = await alice["xep_0092"].get_version(bob.boundjid.full, timeout=config.step)
    result.equal("client version routed to the client", reply["software_version"]["name"], "Slixmpp")

    # Last activity: server uptime; own bare JID while online is 0 (XEP-0012 §5, §3).
    reply = await alice["xep_0012"].get_last_activity(config.domain, timeout=config.step)
    result.check("server uptime", int(reply["last_activity"]["seconds"]) >= 0)
    reply = await alice["xep_0012"].get_last_activity(a_acc.bare, timeout=config.step)
    result.equal("own bare JID online is 0", int(reply["last_activity"]["seconds"]), 0)

    # alice subscribes to bob; bob logs out with a status; alice may read it, carol (no subscription) may not.
    for client, other in ((alice, b_acc.bare), (bob, a_acc.bare)):
        if other in await roster_items(client):
            await client.del_roster_item(other)
    await subscribe(alice, bob)
    mark = alice.mark()
    bob.send_presence(ptype="unavailable", pstatus="gone fishing")
    await alice.wait_for("bob unavailable", lambda s: is_presence(s, "unavailable", bob.boundjid.full), start=mark)
    await bob.disconnect(wait=2.0)
    reply = await alice["xep_0012"].get_last_activity(b_acc.bare, timeout=config.step)
    result.check("contact's last activity seconds", int(reply["last_activity"]["seconds"]) >= 0)
    result.equal("contact's last status", reply["last_activity"]["status"], "gone fishing")
    try:
        await carol["xep_0012"].get_last_activity(b_acc.bare, timeout=config.step)
        result.check("last activity without subscription refused", False, "got a result")
    except IqError as error:
        result.equal("last activity without subscription refused", error.iq["error"]["condition"], "forbidden")
    await alice.del_roster_item(b_acc.bare)


if __name__ == "__main__":
    run_scenario("info", __doc__, 3, scenario)
