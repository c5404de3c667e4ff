"""A room's recording events (PROTOCOL.md, "Recording"): a host starts and stops recording
where the session allows it. The capability is checked per event (``moderate``, from
``rooms.protocol.EVENTS``), then the session's policy (``recordings.timeline``). Everyone in
the room and in its lobby is told (``recording``), the room's snapshot carries it
(``room.recording``), and the room page tells anyone about to join (from the store)."""

from typing import Any

from recordings.timeline import check_may_record, check_may_stop
from rooms.outbox import Group, Send
from rooms.protocol import EVENTS
from server.realtime.live import LiveRoom, LiveRooms


def _news(live: LiveRoom, started_at: str | None) -> list[Send]:
    payload = {"recording": started_at is not None, "started_at": started_at}
    return [Send("recording", payload, group=group) for group in (Group.ROOM, Group.LOBBY)]


class RecordingEvents:
    """Mixed into the room namespace: one handler per recording event."""

    live: LiveRooms

    async def on_start_recording(self, sid: str, data: dict[str, Any]) -> dict[str, object]:
        live = self.live.room_of(sid)
        host = live.room.require(sid, EVENTS["start_recording"])
        check_may_record(live.room.session, recording=live.recording is not None)
        present = [(p.participant_id, p.person.name) for p in live.room.people.admitted()]
        record, recorder = await self.live.recordings.start(
            live.media.router,
            session_id=live.session_id,
            by=host.participant_id,
            now=self.live.clock(),
            present=present,
        )
        live.recording = (record, recorder)
        live.media.recorder = recorder
        live.room.recording = True
        await self.live.run(live, _news(live, record.started_at))
        return {"recording_id": record.recording_id}

    async def on_stop_recording(self, sid: str, data: dict[str, Any]) -> dict[str, object]:
        live = self.live.room_of(sid)
        live.room.require(sid, EVENTS["stop_recording"])
        check_may_stop(recording=live.recording is not None)
        record = await self.live.stop_recording(live)
        await self.live.run(live, _news(live, None))
        return {"recording_id": record.recording_id if record else None}
