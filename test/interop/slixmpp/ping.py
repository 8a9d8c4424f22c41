#!/usr/bin/env python3
"""XMPP Ping (XEP-0199 §4.2, §4.3; PROTOCOL §2.10): to the server, to the own bare JID, with no `to`, to another
user's client (routed to it), and to a user that does not exist (an error, not a pong)."""
from common import IqError, connect, run_scenario


async def scenario(config, result, clients):
    alice = await connect(config, config.users[0], clients=clients)
    bob = await connect(config, config.users[1], clients=clients)
    ping = alice["xep_0199"]

    rtt = await ping.ping(jid=config.domain, timeout=config.step)
    result.note("server_rtt_s", rtt)
    result.check("server answers", rtt is not None)

    reply = await ping.send_ping(config.users[0].bare, timeout=config.step)
    result.equal("own bare JID answers from the bare JID", str(reply["from"]), config.users[0].bare)

    # No `to` at all: the server answers for the account (RFC 6120 §10.3.3 — the request is handled on behalf of
    # the account; PROTOCOL §2.10 counts it as a server ping).
    iq = alice.Iq()
    iq["type"] = "get"
    iq.enable("ping")
    reply = await alice.iq(iq)
    result.equal("ping without to is a result", reply["type"], "result")

    reply = await ping.send_ping(bob.boundjid.full, timeout=config.step)
    result.equal("full JID ping answered by the client", str(reply["from"]), bob.boundjid.full)

    try:
        await ping.send_ping(f"nobody-ping@{config.domain}", timeout=config.step)
        result.check("unknown user ping is an error", False, "got a result")
    except IqError as error:
        result.equal("unknown user ping is an error", error.iq["error"]["condition"], "service-unavailable")


if __name__ == "__main__":
    run_scenario("ping", __doc__, 2, scenario)
