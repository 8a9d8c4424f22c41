#!/usr/bin/env python3
"""Login: STARTTLS then SASL with slixmpp's preferred mechanism (SCRAM), forced SCRAM-SHA-1 and PLAIN, a wrong
password refused, a server-generated resource, and direct TLS when --tls-port is given (RFC 6120 §5, §6, §7;
XEP-0368; PROTOCOL §1.3, §2.2, §2.5, §2.7)."""
import re

from common import Client, CheckFailed, connect, kill, open_session, run_scenario


def tls_version(client: Client) -> str:
    ssl_object = client.transport.get_extra_info("ssl_object") if client.transport is not None else None
    return ssl_object.version() if ssl_object is not None else ""


async def scenario(config, result, clients):
    user = config.users[0]

    default = await connect(config, user, resource="interop-default", presence=False, clients=clients)
    mech = default["feature_mechanisms"].mech.name
    result.note("default_mechanism", mech)
    result.note("tls_version", tls_version(default))
    result.check("starttls negotiated", "starttls" in default.features and tls_version(default) != "",
                 f"features={sorted(default.features)}")
    result.check("default mechanism is SCRAM", mech.startswith("SCRAM-"), mech)
    result.equal("bound to the requested resource", default.boundjid.full, f"{user.bare}/interop-default")
    await default.barrier()

    sha1 = await connect(config, user, resource="interop-sha1", sasl_mech="SCRAM-SHA-1", presence=False,
                         clients=clients)
    result.equal("forced SCRAM-SHA-1", sha1["feature_mechanisms"].mech.name, "SCRAM-SHA-1")
    await sha1.barrier()

    plain = await connect(config, user, resource="interop-plain", sasl_mech="PLAIN", presence=False, clients=clients)
    result.equal("forced PLAIN", plain["feature_mechanisms"].mech.name, "PLAIN")

    generated = await connect(config, user, resource="", presence=False, clients=clients)
    result.note("generated_resource", generated.boundjid.resource)
    # PROTOCOL §2.7: a server-generated resource is 20 to 26 decimal digits.
    result.check("server-generated resource", re.fullmatch(r"[0-9]{20,26}", generated.boundjid.resource) is not None,
                 generated.boundjid.resource)

    for wrong in ("SCRAM-SHA-1", "PLAIN", None):
        bad = Client(config, user, f"interop-bad-{wrong}", (), wrong)
        bad.password = user.password + "-wrong"
        clients.append(bad)
        outcome = await open_session(bad)
        kill(bad)
        result.equal(f"wrong password refused ({wrong or 'default'})", outcome, "failed_all_auth")

    sessions = [default, sha1, plain, generated]
    if config.tls_port:
        direct = Client(config, user, "interop-direct-tls", (), None)
        clients.append(direct)
        result.equal("direct TLS session", await open_session(direct, direct_tls=True), "session_start")
        result.check("direct TLS is encrypted", tls_version(direct) != "", tls_version(direct))
        result.check("direct TLS uses SCRAM", direct["feature_mechanisms"].mech.name.startswith("SCRAM-"))
        sessions.append(direct)
    else:
        result.note("direct_tls", "not tested (no --tls-port)")

    # The sessions opened above are all still usable side by side.
    for client in sessions:
        try:
            await client.barrier()
        except Exception as error:  # noqa: BLE001
            raise CheckFailed(f"{client.boundjid.full} no longer answers: {error}") from error
    result.check("parallel sessions alive", True)


if __name__ == "__main__":
    run_scenario("login", __doc__, 1, scenario)
