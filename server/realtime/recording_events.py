"""A room's recording events (PROTOCOL.md, "Recording"): a host starts and stops recording
where the session allows it. The capability is checked per event (``moderate``, from
``rooms.protocol.EVENTS``), then the session's policy (``recordings.timeline``). Everyone in
the room and in its lobby is told (``recording``), the room's snapshot carries it
(``room.recording``), and the room page tells anyone about to join (from the store). A
recording stops with the room, and when the staff no longer allow it (the live rooms' sweep
reads the session again). Slides already on the stage when it starts are its timeline's
first page."""

from typing import Any

from recordings.timeline import check_may_record, check_may_stop, recording_news
from rooms.protocol import EVENTS
from rooms.slides import Slides, deck_payload
from server.realtime.live import LiveRooms


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
            fence=self.live.fence(live),
        )
        for slides in (w for w in live.room.workflows if isinstance(w, Slides)):
            recorder.observe("slides", {"slides": deck_payload(slides.show)})
        live.recording = (record, recorder)
        live.media.recorder = recorder
        live.room.recording = True
        await self.live.run(live, recording_news(record.started_at))
        return {"recording_id": record.recording_id}

    async def on_stop_recording(self, sid: str, data: dict[str, Any]) -> dict[str, object]:
        live = self.live.room_of(sid)
        live.room.require(sid, EVENTS["stop_recording"])
        check_may_stop(recording=live.recording is not None)
        record = await self.live.stop_recording(live)
        await self.live.run(live, recording_news(None))
        return {"recording_id": record.recording_id if record else None}
