"""The meter's further LwM2M Server accounts: a registration with each, which server sent a request, the
Write-Attributes of each server, and Access Control between them.

TS Core 1.1 §6.2: the client registers with each LwM2M Server it has an account for (a /0 instance that is not
the Bootstrap-Server's, and the /1 instance with the same Short Server ID).  The first account by SSID is the
meter's own :attr:`~.meter.SimulatedMeter.reg` (the single-server path, unchanged); every further one gets a
:class:`~.registration_client.RegistrationClient` of its own, constructed with its SSID, once the first has
registered.  A request is attributed to the account whose server address it came from (the DTLS session's peer
is that address too).  Notification attributes "are per Server" (TS Core 1.1 §5.1.2 / §6.4): each further
server has its own :class:`~.attributes.AttributeStore`.  With more than one account, /2 is enforced
(:mod:`.access_control`).

Seeded defects that live here: ``registers-first-server-only``, ``attributes-shared-between-servers``; and
``acl-not-enforced`` in :mod:`.dm`.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any, Hashable

from ..lwm2m.bootstrap import SEC_SSID
from . import security
from .attributes import AttributeStore
from .registration_client import RegistrationClient

if TYPE_CHECKING:
    from .host import MeterHost

log = logging.getLogger(__name__)


def _addr(remote: Hashable) -> tuple | None:
    peer = getattr(remote, "peer", remote)
    return tuple(peer[:2]) if isinstance(peer, tuple) else None


class ServerAccounts:
    """The accounts beyond the first: their registrations and attribute stores."""

    def __init__(self, meter: "MeterHost") -> None:
        self.meter = meter
        self.others: dict[int, RegistrationClient] = {}
        self._attrs: dict[int, AttributeStore] = {}

    def ssids(self) -> list[int]:
        """The SSIDs of the complete server accounts, the one in use first."""
        return [int(res.get(SEC_SSID)) for _, res, _ in security.accounts(self.meter)]

    def multiple(self) -> bool:
        """More than one server account: Access Control applies (TS Core 1.1 §7.3)."""
        return len(security.accounts(self.meter)) > 1

    def sync(self) -> None:
        """After the first account registered: register with every further one (once), forget removed ones."""
        m = self.meter
        wanted = self.ssids()[1:]
        for ssid in [s for s in self.others if s not in wanted]:
            self.others.pop(ssid).forget()
            self._attrs.pop(ssid, None)
        if m.has("registers-first-server-only"):
            return                      # the vendor's client knows one server connection only
        for ssid in wanted:
            if ssid not in self.others:
                client = self.others[ssid] = RegistrationClient(m, ssid=ssid)
                client.reregister()

    def ssid_of(self, remote: Hashable) -> int | None:
        """The SSID of the server ``remote`` is (None: the first account's server, or no account)."""
        addr = _addr(remote)
        for ssid, client in self.others.items():
            if addr is not None and client.remote is not None and _addr(client.remote) == addr:
                return ssid
        ssids = self.ssids()
        return ssids[0] if ssids else None

    def server_value(self, remote: Hashable, rid: int, default: Any = None) -> Any:
        """Resource ``rid`` of the Server instance of the server at ``remote`` (its default periods, its
        notification storing ...), that of the first account for any other remote."""
        addr = _addr(remote)
        for ssid, client in self.others.items():
            if addr is not None and client.remote is not None and _addr(client.remote) == addr:
                return security.server_value(self.meter, ssid, rid, default)
        return self.meter.server_value(rid, default)

    def attributes_for(self, remote: Hashable) -> AttributeStore:
        """The Write-Attributes store of the server ``remote`` is."""
        addr = _addr(remote)
        for ssid, client in self.others.items():
            if addr is not None and client.remote is not None and _addr(client.remote) == addr:
                if self.meter.has("attributes-shared-between-servers"):
                    break               # the vendor keeps one attribute table for the device
                return self._attrs.setdefault(ssid, AttributeStore())
        return self.meter.attributes

    def spawn_update(self, *, with_objects: bool = False, delay: float = 0.0) -> None:
        """An Update to every further server (the object list changed: each registration hears of it)."""
        for client in self.others.values():
            client.spawn_update(with_objects=with_objects, delay=delay)

    async def deregister(self) -> None:
        for client in self.others.values():
            client.close()
            if client.location is not None:
                await client.deregister()

    def forget(self) -> None:
        for client in self.others.values():
            client.forget()
        self.others.clear()
        self._attrs.clear()


__all__ = ["ServerAccounts"]
