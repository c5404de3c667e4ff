"""A signing session's ceremony events (PROTOCOL.md, "Signing ceremony"): the host fixes the
document, turns its pages, calls each signer in order and closes the ceremony; the called
signer confirms who they are, consents and signs; the witnesses attest.

Each step is checked by the room's ``rooms.signing.Signing``, appended by the store under its
transaction (fenced: only while this process owns the room) and durably
(``server/store/signing.py``), and answered with the entry's number and hash only once on
disk; the room has reloaded the log and shown everyone by then (the store tells its watchers:
server/realtime/live_signing.py).
The entry's IP address and user agent are the connection's, from its handshake (``Connection``),
never from the payload.
"""

from typing import Any

from rooms.errors import DomainError
from rooms.protocol import EVENTS
from rooms.signing import Change, Signing
from server.realtime.live import LiveRoom, LiveRooms
from server.realtime.live_signing import refresh_signing
from server.signing import check_signature_image
from server.store import NotDurable

NOT_KEPT = "This step was not saved; try again."


class SigningEvents:
    """Mixed into the room namespace: one handler per ceremony event."""

    live: LiveRooms

    def _signing(self, live: LiveRoom, sid: str, event: str) -> Signing:
        """The room's ceremony, once the event's capability is checked (before the kind)."""
        live.room.require(sid, EVENTS[event])
        return live.room.part(Signing)

    async def _append(
        self, sid: str, live: LiveRoom, change: Change, signature: bytes | None = None
    ) -> dict[str, object]:
        connection = self.live.connections[sid]
        try:
            entry = await self.live.store.signings.append(
                live.session_id, change, ip=connection.ip, user_agent=connection.user_agent,
                now=self.live.clock(), signature=signature, fence=self.live.fence(live),
            )  # fmt: skip
        except NotDurable:  # written, maybe not on disk: not acknowledged, but shown
            await refresh_signing(self.live, live.session_id)
            raise DomainError(NOT_KEPT, code="unavailable") from None
        return {"seq": entry.seq, "hash": entry.hash, "step": str(entry.step)}

    async def on_fix_agreement(self, sid: str, data: dict[str, Any]) -> dict[str, object]:
        live = self.live.room_of(sid)
        change = self._signing(live, sid, "fix_agreement").fix_agreement(sid)
        return await self._append(sid, live, change)

    async def on_agreement_page(self, sid: str, data: dict[str, Any]) -> None:
        live = self.live.room_of(sid)
        signing = self._signing(live, sid, "agreement_page")
        await self.live.run(live, signing.agreement_page(sid, data["page"]))

    async def on_call_signer(self, sid: str, data: dict[str, Any]) -> dict[str, object]:
        live = self.live.room_of(sid)
        change = self._signing(live, sid, "call_signer").call_signer(sid, data["party_id"])
        return await self._append(sid, live, change)

    async def on_confirm_identity(self, sid: str, data: dict[str, Any]) -> dict[str, object]:
        live, typed = self.live.room_of(sid), data["typed_name"] or ""
        change = self._signing(live, sid, "confirm_identity").confirm_identity(sid, typed)
        return await self._append(sid, live, change)

    async def on_give_consent(self, sid: str, data: dict[str, Any]) -> dict[str, object]:
        live = self.live.room_of(sid)
        signing = self._signing(live, sid, "give_consent")
        change = signing.give_consent(sid, data["sha256"], data["typed_name"])
        return await self._append(sid, live, change)

    async def on_sign_agreement(self, sid: str, data: dict[str, Any]) -> dict[str, object]:
        live = self.live.room_of(sid)
        signing = self._signing(live, sid, "sign_agreement")
        change, png = signing.sign_agreement(sid, data["signature"])
        check_signature_image(png)
        return await self._append(sid, live, change, signature=png)

    async def on_attest(self, sid: str, data: dict[str, Any]) -> dict[str, object]:
        live, typed = self.live.room_of(sid), data["typed_name"] or ""
        change = self._signing(live, sid, "attest").attest(sid, typed)
        return await self._append(sid, live, change)

    async def on_close_ceremony(self, sid: str, data: dict[str, Any]) -> dict[str, object]:
        live = self.live.room_of(sid)
        change = self._signing(live, sid, "close_ceremony").close_ceremony(sid)
        return await self._append(sid, live, change)
