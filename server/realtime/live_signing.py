"""A live signing room follows its agreement and its log as the store has them: the store
tells its watchers of every change (a step appended from the room or the console, the staff
editing the agreement), and the room of this process reloads them and shows everyone."""

from typing import TYPE_CHECKING

from rooms.signing import Signing

if TYPE_CHECKING:
    from server.realtime.live import LiveRooms


async def refresh_signing(rooms: "LiveRooms", session_id: str) -> None:
    """Reload a live signing room's agreement and log from the store and show them."""
    live = rooms.rooms.get(session_id)
    if live is None or live.room.closed:
        return
    part = next((w for w in live.room.workflows if isinstance(w, Signing)), None)
    if part is None:
        return
    store = rooms.store.signings
    effects = part.reload(
        await store.agreement(session_id),
        await store.log(session_id),
        signatures=await store.signatures(session_id),
    )
    if effects:
        await rooms.run(live, effects)
