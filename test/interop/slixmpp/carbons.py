#!/usr/bin/env python3
"""Message carbons (XEP-0280) on two resources of one user: received and sent copies wrapped as the XEP says,
from the user's bare JID; no copy to a resource without carbons, none for <private/>, none of a message addressed
to the bare JID that every resource got anyway, and none after disable."""
import uuid

from common import connect, is_message, run_scenario

CARBONS = "urn:xmpp:carbons:2"
FORWARDED = "{urn:xmpp:forward:0}forwarded/{jabber:client}message"


def carbon(kind, body):
    """An outer message wrapping a `kind` (received/sent) copy whose inner body is `body`."""
    def match(s):
        if s.name != "message":
            return False
        inner = s.xml.find(f"{{{CARBONS}}}{kind}/{FORWARDED}")
        return inner is not None and inner.findtext("{jabber:client}body") == body
    return match


def inner(stanza, kind):
    return stanza.xml.find(f"{{{CARBONS}}}{kind}/{FORWARDED}")


def any_copy(body):
    return lambda s: carbon("received", body)(s) or carbon("sent", body)(s)


async def scenario(config, result, clients):
    a_acc, b_acc = config.users[0], config.users[1]
    plugins = ("xep_0280",)
    a1 = await connect(config, a_acc, plugins=plugins, resource="one", clients=clients)
    a2 = await connect(config, a_acc, plugins=plugins, resource="two", clients=clients)
    a3 = await connect(config, a_acc, plugins=plugins, resource="three", clients=clients)  # never enables
    bob = await connect(config, b_acc, plugins=plugins, clients=clients)
    await a1["xep_0280"].enable(timeout=config.step)
    await a2["xep_0280"].enable(timeout=config.step)
    tag = uuid.uuid4().hex[:8]

    # bob -> a1 (full JID): a2 gets a received copy (§6).
    body = f"to one {tag}"
    bob.send_message(mto=a1.boundjid.full, mbody=body, mtype="chat")
    await a1.wait_for("direct message", lambda s: is_message(s, "chat", bob.boundjid.full, body))
    copy = await a2.wait_for("received carbon", carbon("received", body))
    result.equal("received carbon from own bare JID", str(copy["from"]), a_acc.bare)
    msg = inner(copy, "received")
    result.check("received carbon keeps from/to", msg.get("from") == bob.boundjid.full and
                 msg.get("to") == a1.boundjid.full, str(copy))

    # a1 -> bob: a2 gets a sent copy (§7).
    body = f"from one {tag}"
    a1.send_message(mto=b_acc.bare, mbody=body, mtype="chat")
    await bob.wait_for("message from a1", lambda s: is_message(s, "chat", a1.boundjid.full, body))
    copy = await a2.wait_for("sent carbon", carbon("sent", body))
    result.equal("sent carbon from own bare JID", str(copy["from"]), a_acc.bare)
    msg = inner(copy, "sent")
    result.check("sent carbon keeps from/to", msg.get("from") == a1.boundjid.full and msg.get("to") == b_acc.bare,
                 str(copy))

    # <private/> + no-copy: no carbon (§8).
    private_body = f"private {tag}"
    private = bob.make_message(mto=a1.boundjid.full, mbody=private_body, mtype="chat")
    private.xml.append(private.xml.makeelement(f"{{{CARBONS}}}private", {}))
    private.xml.append(private.xml.makeelement("{urn:xmpp:hints}no-copy", {}))
    private.send()
    await a1.wait_for("private message", lambda s: is_message(s, "chat", bob.boundjid.full, private_body))

    # Bare JID: every available resource gets the message itself (PROTOCOL §9.3), and no carbon of it.
    bare_body = f"bare {tag}"
    bob.send_message(mto=a_acc.bare, mbody=bare_body, mtype="chat")
    for client in (a1, a2, a3):
        await client.wait_for(f"bare message on {client.boundjid.resource}",
                              lambda s: is_message(s, "chat", bob.boundjid.full, bare_body))

    # bob's stanzas are processed in order, so after his round trip every copy is queued; then each resource's own
    # round trip shows whether one reached it.
    await bob.barrier()
    for client in (a1, a2, a3):
        await client.barrier()
    await a2.expect_nothing("carbon of a private message", any_copy(private_body), 0.2)
    for client in (a1, a2, a3):
        await client.expect_nothing("carbon of a bare-JID message", any_copy(bare_body), 0.2)
    await a3.expect_nothing("carbon without enabling", lambda s: s.xml.find(f"{{{CARBONS}}}received") is not None
                            or s.xml.find(f"{{{CARBONS}}}sent") is not None, 0.2)
    result.check("no carbon for private, bare-JID, or non-enabled resources", True)

    # Disable on a2: copies stop.
    await a2["xep_0280"].disable(timeout=config.step)
    after = f"after disable {tag}"
    bob.send_message(mto=a1.boundjid.full, mbody=after, mtype="chat")
    await a1.wait_for("message after disable", lambda s: is_message(s, "chat", bob.boundjid.full, after))
    await bob.barrier()
    await a2.barrier()
    await a2.expect_nothing("carbon after disable", any_copy(after), 0.2)
    result.check("no carbon after disable", True)


if __name__ == "__main__":
    run_scenario("carbons", __doc__, 2, scenario)
