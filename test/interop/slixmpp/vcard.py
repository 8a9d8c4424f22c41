#!/usr/bin/env python3
"""vCard (XEP-0054) with slixmpp's plugin: set and get one's own, read another user's, an empty vCard for a user
without one, an error for an unknown account, and the XEP-0153 photo hash in the owner's presence (PROTOCOL §9.6)."""
import base64
import hashlib
import uuid

from common import IqError, connect, is_presence, run_scenario

PHOTO = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==")
UPDATE = "{vcard-temp:x:update}x"


async def scenario(config, result, clients):
    a_acc, b_acc, c_acc = config.users[0], config.users[1], config.users[2]
    alice = await connect(config, a_acc, plugins=("xep_0054",), clients=clients)
    bob = await connect(config, b_acc, plugins=("xep_0054",), clients=clients)
    tag = uuid.uuid4().hex[:8]

    vcard = alice["xep_0054"].make_vcard()
    vcard["FN"] = f"Alice Interop {tag}"
    vcard["NICKNAME"] = "alice"
    vcard["PHOTO"]["TYPE"] = "image/png"
    vcard["PHOTO"]["BINVAL"] = PHOTO
    await alice["xep_0054"].publish_vcard(vcard, timeout=config.step)

    own = await alice["xep_0054"].get_vcard(a_acc.bare, cached=False, local=False, timeout=config.step)
    result.equal("own vCard FN", own["vcard_temp"]["FN"], f"Alice Interop {tag}")
    result.equal("own vCard photo", own["vcard_temp"]["PHOTO"]["BINVAL"], PHOTO)

    theirs = await bob["xep_0054"].get_vcard(a_acc.bare, cached=False, local=False, timeout=config.step)
    result.equal("other user reads the vCard", theirs["vcard_temp"]["FN"], f"Alice Interop {tag}")

    # carol never set one: an empty <vCard/> (PROTOCOL §9.6), not an error.
    empty = await bob["xep_0054"].get_vcard(c_acc.bare, cached=False, local=False, timeout=config.step)
    vcard_el = empty.xml.find("{vcard-temp}vCard")
    result.check("empty vCard", vcard_el is not None and len(vcard_el) == 0, str(empty))

    try:
        await bob["xep_0054"].get_vcard(f"nobody-{tag}@{config.domain}", cached=False, local=False,
                                        timeout=config.step)
        result.check("unknown account refused", False, "got a result")
    except IqError as error:
        result.equal("unknown account refused", error.iq["error"]["condition"], "service-unavailable")

    # Setting someone else's vCard is refused.
    try:
        iq = bob.make_iq_set(ito=a_acc.bare)
        iq.append(bob["xep_0054"].make_vcard())
        await bob.iq(iq)
        result.check("setting another user's vCard refused", False, "got a result")
    except IqError as error:
        result.check("setting another user's vCard refused", error.iq["error"]["condition"] in ("forbidden",
                     "not-allowed"), error.iq["error"]["condition"])

    # XEP-0153: alice's next presence carries the SHA-1 of the photo; her second resource sees it (RFC 6121 §4.2.2).
    alice2 = await connect(config, a_acc, resource="second", presence=False, clients=clients)
    alice2.send_presence()
    await alice2.barrier()
    mark = alice2.mark()
    alice.send_presence(pstatus="with avatar")
    pres = await alice2.wait_for("alice's presence", lambda s: is_presence(s, "available", alice.boundjid.full)
                                 and s["status"] == "with avatar", start=mark)
    update = pres.xml.find(UPDATE)
    photo = update.findtext("{vcard-temp:x:update}photo") if update is not None else None
    result.equal("presence photo hash", photo, hashlib.sha1(PHOTO).hexdigest())


if __name__ == "__main__":
    run_scenario("vcard", __doc__, 3, scenario)
