"""Shared helpers for the slixmpp interop scenarios: arguments, clients, waiting with timeouts, JSON result line.

Each scenario script drives real slixmpp clients (an independent XMPP library) against a running server and prints
exactly one JSON line on stdout: {"scenario", "status": passed|failed|skipped, "checks", "details", "error"?}.
Exit code: 0 when passed or skipped, 1 when failed, 2 on bad usage. Every wait has a timeout, and a watchdog ends the
process if the event loop itself ever hangs, so a scenario never blocks its caller.

Server and accounts come from arguments or environment variables:
  --host / XMPP_HOST (127.0.0.1), --port / XMPP_PORT (5222, plain TCP with STARTTLS), --tls-port / XMPP_TLS_PORT
  (direct TLS, XEP-0368; 0 = not tested), --domain / XMPP_DOMAIN (localhost), --users / XMPP_USERS (comma-separated
  `local` or `local:password`), --password / XMPP_PASSWORD (secret, for users given without one), --timeout /
  XMPP_TIMEOUT (whole scenario, seconds), --step-timeout / XMPP_STEP_TIMEOUT (one wait, seconds), --debug /
  XMPP_DEBUG (slixmpp debug log on stderr).
"""
import asyncio
import faulthandler
import json
import logging
import os
import sys
import time
import traceback
from typing import Any, Awaitable, Callable, Dict, List

try:
    import slixmpp  # noqa: F401
except ImportError:
    print(json.dumps({"scenario": os.path.splitext(os.path.basename(sys.argv[0]))[0], "status": "failed", "checks": {},
                      "details": {}, "error": "python module slixmpp is not installed"}), flush=True)
    sys.exit(1)

from slixmpp.exceptions import IqError, IqTimeout

from interop_client import (  # noqa: F401 - re-exported for the scenarios
    Client, connect, disconnect_all, element, event_future, is_message, is_presence, is_roster_push, iq_error_text, kill,
    open_session, roster_items, server_features, server_items)
from interop_config import Account, CheckFailed, Config, Result, Skipped, parse_args  # noqa: F401 - re-exported


def run_scenario(name: str, description: str, min_users: int,
                 body: Callable[[Config, Result, List[Client]], Awaitable[None]]) -> None:
    """Parses arguments, runs `body` under the scenario timeout, prints the JSON line and exits."""
    config = parse_args(description, min_users)
    logging.basicConfig(stream=sys.stderr, level=logging.DEBUG if config.debug else logging.ERROR,
                        format="%(asctime)s %(levelname)s %(name)s %(message)s")
    # Last resort if the loop itself wedges: dump stacks to stderr and exit non-zero.
    faulthandler.dump_traceback_later(config.timeout + 10, exit=True)
    result = Result(name)
    clients: List[Client] = []
    status, error = "passed", None
    started = time.monotonic()

    async def main() -> None:
        try:
            await asyncio.wait_for(body(config, result, clients), config.timeout)
        finally:
            await disconnect_all(clients)

    # The JSON line must be the only thing on stdout: anything printed meanwhile (slixmpp 1.8.3's MUC join prints
    # delay elements) goes to stderr.
    real_stdout, sys.stdout = sys.stdout, sys.stderr
    try:
        asyncio.run(main())
    except Skipped as skip:
        status, error = "skipped", str(skip)
    except asyncio.TimeoutError:
        if time.monotonic() - started >= config.timeout:
            status, error = "failed", f"scenario timed out after {config.timeout}s"
        else:  # a slixmpp call with its own timeout (e.g. a MUC join)
            status, error = "failed", "a step timed out (traceback on stderr)"
            traceback.print_exc(file=sys.stderr)
    except (CheckFailed, IqError, IqTimeout) as failure:
        status, error = "failed", iq_error_text(failure) if not isinstance(failure, CheckFailed) else str(failure)
    except Exception as failure:  # noqa: BLE001 - reported, not hidden
        status, error = "failed", f"{type(failure).__name__}: {failure}"
        traceback.print_exc(file=sys.stderr)
    line: Dict[str, Any] = {"scenario": name, "status": status, "checks": result.checks, "details": result.details,
                            "elapsed_ms": round((time.monotonic() - started) * 1000)}
    if error is not None:
        line["error"] = error
    sys.stdout = real_stdout
    print(json.dumps(line, default=str), flush=True)
    sys.exit(1 if status == "failed" else 0)
