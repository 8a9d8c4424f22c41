"""The slixmpp client the interop scenarios drive, and helpers to connect, wait, and match stanzas (see common.py)."""
import asyncio
import socket
import ssl
import struct
import time
import uuid
from typing import Any, Callable, Dict, List, Optional, Sequence

import slixmpp
from slixmpp.exceptions import IqError, IqTimeout
from slixmpp.xmlstream import ET
from slixmpp.xmlstream.handler import Callback
from slixmpp.xmlstream.matcher import MatchXPath

from interop_config import Account, CheckFailed, Config


BASE_PLUGINS = ("xep_0030", "xep_0199")


class Client(slixmpp.ClientXMPP):
    """A slixmpp client that records every inbound message and presence, so checks can wait for them."""

    def __init__(self, config: Config, account: Account, resource: str, plugins: Sequence[str],
                 sasl_mech: Optional[str]) -> None:
        jid = account.bare if resource == "" else f"{account.bare}/{resource}"
        super().__init__(jid, account.password, sasl_mech=sasl_mech)
        self.config = config
        self.account = account
        # The test server's certificate is self-signed; the check here is that TLS is negotiated at all.
        self.ssl_context.check_hostname = False
        self.ssl_context.verify_mode = ssl.CERT_NONE
        self.use_ipv6 = False
        # Subscription requests are answered by the scenarios themselves, never automatically.
        self.roster.auto_authorize = None
        self.roster.auto_subscribe = False
        for plugin in dict.fromkeys((*BASE_PLUGINS, *plugins)):
            self.register_plugin(plugin)
        self.inbox: List[Any] = []
        self._arrived = asyncio.Event()
        # Raw handlers: slixmpp's own "message" event skips body-less messages (carbons, MAM results, chat states).
        for kind in ("message", "presence"):
            self.register_handler(Callback(f"interop {kind}", MatchXPath(f"{{jabber:client}}{kind}"), self._record))
        for push in ("roster_update", "blocked", "unblocked"):  # roster and XEP-0191 pushes
            self.add_event_handler(push, self._record_push)

    def _record(self, stanza: Any) -> None:
        self.inbox.append(stanza)
        self._arrived.set()

    def _record_push(self, iq: Any) -> None:
        if iq["type"] == "set":  # a push; slixmpp answers roster pushes itself
            self.inbox.append(iq)
            self._arrived.set()

    async def wait_for(self, what: str, predicate: Callable[[Any], bool], timeout: Optional[float] = None,
                       start: int = 0) -> Any:
        """The first recorded stanza (from index `start`) matching `predicate`; CheckFailed after the timeout."""
        limit = time.monotonic() + (timeout if timeout is not None else self.config.step)
        index = start
        while True:
            while index < len(self.inbox):
                stanza = self.inbox[index]
                index += 1
                if predicate(stanza):
                    return stanza
            remaining = limit - time.monotonic()
            if remaining <= 0:
                raise CheckFailed(f"{self.boundjid.full or self.account.bare}: timed out waiting for {what}")
            self._arrived.clear()
            try:
                await asyncio.wait_for(self._arrived.wait(), remaining)
            except asyncio.TimeoutError:
                pass

    async def expect_nothing(self, what: str, predicate: Callable[[Any], bool], settle: float, start: int = 0) -> None:
        """CheckFailed if a stanza matching `predicate` arrives within `settle` seconds (used after a barrier)."""
        try:
            stanza = await self.wait_for(what, predicate, settle, start)
        except CheckFailed:
            return
        raise CheckFailed(f"{self.boundjid.full}: unexpected {what}: {stanza}")

    def mark(self) -> int:
        return len(self.inbox)

    async def iq(self, iq: Any) -> Any:
        """Sends an IQ and returns the result; IqError/IqTimeout propagate."""
        return await iq.send(timeout=self.config.step)

    async def barrier(self) -> None:
        """A ping round trip to the server: everything the server sent before its reply has been processed."""
        await self["xep_0199"].send_ping(self.boundjid.domain, timeout=self.config.step)


SESSION_EVENTS = ("session_start", "session_resumed", "failed_all_auth", "stream_error", "connection_failed")


async def open_session(client: "Client", wait_sm: bool = False, direct_tls: bool = False) -> str:
    """Connects over TCP with mandatory STARTTLS and authenticates; returns the first of SESSION_EVENTS to fire
    ("timeout" if none did; "session_resumed" when XEP-0198 resumed an earlier stream). `direct_tls` uses the
    direct TLS port instead (XEP-0368). With `wait_sm`, also waits for XEP-0198 `<enabled/>` after the session started."""
    step = client.config.step
    waiters = {name: asyncio.ensure_future(client.wait_until(name, step * 2)) for name in SESSION_EVENTS}
    sm_waiter = asyncio.ensure_future(client.wait_until("sm_enabled", step * 2)) if wait_sm else None
    if direct_tls:
        client.connect(address=(client.config.host, client.config.tls_port), use_ssl=True)
    else:
        client.connect(address=(client.config.host, client.config.port), force_starttls=True)
    try:
        done, _ = await asyncio.wait(waiters.values(), timeout=step * 2, return_when=asyncio.FIRST_COMPLETED)
        finished = [name for name, fut in waiters.items() if fut in done and fut.exception() is None]
        outcome = finished[0] if finished else "timeout"
        if outcome == "session_start" and sm_waiter is not None:
            await sm_waiter
        return outcome
    finally:
        for fut in [*waiters.values(), *([sm_waiter] if sm_waiter else [])]:
            if not fut.done():
                fut.cancel()


async def connect(config: Config, account: Account, plugins: Sequence[str] = (), resource: Optional[str] = None,
                  sasl_mech: Optional[str] = None, presence: bool = True, wait_sm: bool = False,
                  clients: Optional[List["Client"]] = None) -> "Client":
    """A client with a started session (STARTTLS, SASL, bind); sends initial presence unless told not to.
    `resource=""` lets the server pick the resource. Appended to `clients` (closed by run_scenario) when given."""
    client = Client(config, account, f"interop-{uuid.uuid4().hex[:8]}" if resource is None else resource, plugins,
                    sasl_mech)
    if clients is not None:
        clients.append(client)
    outcome = await open_session(client, wait_sm)
    if outcome != "session_start":
        kill(client)
        raise CheckFailed(f"{account.bare}: no session ({outcome})")
    if presence:
        client.send_presence()
    return client


def event_future(client: "Client", event: str, timeout: float) -> "asyncio.Future[Any]":
    """A future for the next `event`, registered now (slixmpp's wait_until only registers once awaited)."""
    return asyncio.ensure_future(client.wait_until(event, timeout))


def kill(client: "Client") -> None:
    """Drops the TCP connection at once with a RST (SO_LINGER 0), without closing the stream; slixmpp's own
    abort() trips over TLS transports."""
    client.cancel_connection_attempt()
    transport = client.transport
    if transport is not None:
        sock = transport.get_extra_info("socket")
        if sock is not None:
            try:
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            except OSError:
                pass
        try:
            transport.abort()
        except Exception:  # noqa: BLE001 - already closing
            pass


async def disconnect_all(clients: Sequence[Client]) -> None:
    """Closes every client's stream, aborting those that do not close in time."""
    async def close(client: Client) -> None:
        if client.transport is None:
            return
        try:
            await asyncio.wait_for(client.disconnect(wait=1.0), 3.0)
        except Exception:  # noqa: BLE001 - closing must never fail the scenario
            kill(client)
    await asyncio.gather(*(close(c) for c in clients), return_exceptions=True)


async def server_features(client: Client) -> List[str]:
    info = await client["xep_0030"].get_info(jid=client.boundjid.domain, timeout=client.config.step)
    return list(info["disco_info"]["features"])


async def server_items(client: Client) -> List[str]:
    items = await client["xep_0030"].get_items(jid=client.boundjid.domain, timeout=client.config.step)
    return [item[0] for item in items["disco_items"]["items"]]


SUBSCRIPTION_TYPES = ("subscribe", "subscribed", "unsubscribe", "unsubscribed", "probe")


def is_presence(stanza: Any, ptype: Optional[str] = None, sender: Optional[str] = None) -> bool:
    """A presence stanza; `ptype` "available" means any available presence (slixmpp reports `show` as the type);
    `sender` is compared with the full JID when it contains "/", else with the bare JID."""
    if stanza.name != "presence":
        return False
    if sender is not None and str(stanza["from"] if "/" in sender else stanza["from"].bare) != sender:
        return False
    if ptype is None:
        return True
    actual = stanza["type"]
    if ptype == "available":
        return actual not in ("unavailable", "error", *SUBSCRIPTION_TYPES)
    return actual == ptype


def is_message(stanza: Any, mtype: Optional[str] = None, sender: Optional[str] = None,
               body: Optional[str] = None) -> bool:
    if stanza.name != "message":
        return False
    if mtype is not None and stanza["type"] != mtype:
        return False
    if sender is not None and str(stanza["from"] if "/" in sender else stanza["from"].bare) != sender:
        return False
    return body is None or stanza["body"] == body


def is_roster_push(stanza: Any, jid: Optional[str] = None) -> bool:
    if stanza.name != "iq" or stanza["type"] != "set":
        return False
    return jid is None or any(str(j) == jid for j in stanza["roster"]["items"])


async def roster_items(client: "Client") -> Dict[str, Dict[str, Any]]:
    """The server's roster (a plain get without `ver`, so the full roster comes back), keyed by bare JID."""
    iq = client.Iq()
    iq["type"] = "get"
    iq.enable("roster")
    reply = await client.iq(iq)
    return {str(jid): dict(item) for jid, item in reply["roster"]["items"].items()}


def iq_error_text(error: BaseException) -> str:
    if isinstance(error, IqError):
        iq = error.iq
        return f"IqError {iq['error']['type']}/{iq['error']['condition']} {iq['error']['text']!r}"
    if isinstance(error, IqTimeout):
        return "IqTimeout"
    return f"{type(error).__name__}: {error}"


def element(xml: str) -> Any:
    return ET.fromstring(xml)
