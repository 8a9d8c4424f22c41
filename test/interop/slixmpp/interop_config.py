"""Arguments, accounts and the result record of the slixmpp interop scenarios (see common.py)."""
import argparse
import os
from typing import Any, Dict


class Skipped(Exception):
    """The scenario cannot run against this server (e.g. the feature is not advertised)."""


class CheckFailed(Exception):
    """A check failed; the message says which and why."""


class Result:
    """Collects named checks and details; serialised as the scenario's JSON line."""

    def __init__(self, scenario: str) -> None:
        self.scenario = scenario
        self.checks: Dict[str, bool] = {}
        self.details: Dict[str, Any] = {}

    def check(self, name: str, ok: bool, detail: Any = None) -> None:
        self.checks[name] = bool(ok)
        if not ok:
            suffix = "" if detail is None else f": {detail}"
            raise CheckFailed(f"check '{name}' failed{suffix}")

    def equal(self, name: str, actual: Any, expected: Any) -> None:
        self.check(name, actual == expected, f"expected {expected!r}, got {actual!r}")

    def note(self, key: str, value: Any) -> None:
        self.details[key] = value


class Account:
    def __init__(self, spec: str, default_password: str, domain: str) -> None:
        local, _, password = spec.partition(":")
        self.local = local
        self.password = password or default_password
        self.bare = f"{local}@{domain}"


class Config:
    def __init__(self, args: argparse.Namespace) -> None:
        self.host: str = args.host
        self.port: int = args.port
        self.tls_port: int = args.tls_port
        self.domain: str = args.domain
        self.timeout: float = args.timeout
        self.step: float = args.step_timeout
        self.debug: bool = args.debug
        self.users = [Account(u.strip(), args.password, args.domain) for u in args.users.split(",") if u.strip()]
        self.muc_domain = f"conference.{args.domain}"


def parse_args(description: str, min_users: int) -> Config:
    env = os.environ.get
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--host", default=env("XMPP_HOST", "127.0.0.1"))
    parser.add_argument("--port", type=int, default=int(env("XMPP_PORT", "5222")))
    parser.add_argument("--tls-port", type=int, default=int(env("XMPP_TLS_PORT", "0")))
    parser.add_argument("--domain", default=env("XMPP_DOMAIN", "localhost"))
    parser.add_argument("--users", default=env("XMPP_USERS", "alice,bob,carol"))
    parser.add_argument("--password", default=env("XMPP_PASSWORD", "secret"))
    parser.add_argument("--timeout", type=float, default=float(env("XMPP_TIMEOUT", "40")))
    parser.add_argument("--step-timeout", type=float, default=float(env("XMPP_STEP_TIMEOUT", "8")))
    parser.add_argument("--debug", action="store_true", default=env("XMPP_DEBUG", "") not in ("", "0"))
    config = Config(parser.parse_args())
    if len(config.users) < min_users:
        parser.error(f"this scenario needs {min_users} users, got {len(config.users)}")
    return config
