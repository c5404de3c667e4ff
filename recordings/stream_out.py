"""A live stream's process, seen from the room's process: started, fed, watched, stopped.

``StreamOutput`` runs the stream's pipeline (``recordings.stream_pipeline``) in a process of
its own, so decoding, drawing and encoding never take the room's event loop or its GIL, and a
hung ingest hangs only that process. The event loop only puts messages in a queue
(``add_track``, ``frame``, ``remove_track``, ``speaker``); a supervisor thread starts the
process (spawned: the web process's threads are not forked), sends it the tracks it knows and
forwards the queue down a pipe, and a listener thread hears the process's states and beats.

When the process goes quiet for ``SILENCE`` seconds (PyAV connects with the GIL held and
without a time limit: an ingest that hangs stops everything in it), ``check_stall`` (the
streamer calls it every second) ends it; when the process ends without being told to, the
supervisor tells ``reconnecting`` and starts another after a pause that grows (``RESTART``).
``on_state`` hears ``live``, ``reconnecting`` and, at the very end, ``stopped``, from these
threads.
"""

import contextlib
import multiprocessing
import queue
import threading
import time
from collections.abc import Callable
from multiprocessing.connection import Connection
from multiprocessing.process import BaseProcess

from recordings.stream_pipeline import FPS, SIZE, STOP, VIDEO_BITRATE, LiveTrack, run_pipeline
from recordings.streaming import LIVE, RECONNECTING, STOPPED

SILENCE = 5.0  # seconds without a word from the process before it is ended
RESTART = (1.0, 2.0, 4.0, 8.0)  # seconds before each further process; the last repeats
STOP_WAIT = 3.0  # seconds a told process has to end before it is killed
_SPAWN = multiprocessing.get_context("spawn")


class StreamOutput:
    """The stream's process and the threads that feed and hear it."""

    def __init__(
        self,
        address: str,
        *,
        on_state: Callable[[str], None],
        size: tuple[int, int] = SIZE,
        fps: int = FPS,
        bitrate: int = VIDEO_BITRATE,
    ) -> None:
        self._address = address  # holds the stream key: never logged
        self._on_state = on_state
        self._shape = (size[0], size[1], fps, bitrate)
        self._inbox: queue.SimpleQueue[tuple[object, ...]] = queue.SimpleQueue()
        self._tracks: dict[str, LiveTrack] = {}  # what a new process is told first
        self._speaker: str | None = None
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self._supervisor = threading.Thread(target=self._supervise, name="stream-out", daemon=True)
        self._process: BaseProcess | None = None
        self._heard = time.monotonic()
        self.cpu_seconds = 0.0  # the processes' CPU time, every thread's
        self.sent_ticks = 0  # video frames sent, over every connection
        self._sent_before = 0  # by the processes that ended
        self.connections = 0
        self.undecodable = 0
        self.processes = 0

    # --- the event loop --------------------------------------------------------------------

    def start(self) -> None:
        self._supervisor.start()

    def add_track(self, track: LiveTrack) -> None:
        with self._lock:
            self._tracks[track.track_id] = track
        self._inbox.put(("add", track))

    def frame(self, track_id: str, payloads: tuple[bytes, ...]) -> None:
        self._inbox.put(("frame", track_id, payloads))

    def remove_track(self, track_id: str) -> None:
        with self._lock:
            self._tracks.pop(track_id, None)
        self._inbox.put(("remove", track_id))

    def speaker(self, participant_id: str | None) -> None:
        self._speaker = participant_id
        self._inbox.put(("speaker", participant_id))

    def check_stall(self) -> bool:
        """End the process if it has been quiet ``SILENCE`` seconds; whether it did."""
        process = self._process
        if process is None or time.monotonic() - self._heard < SILENCE:
            return False
        process.kill()
        return True

    def stop(self) -> None:
        """End the stream and wait for its process and threads (blocks: call it off the
        event loop)."""
        self._stopping.set()
        self._inbox.put((STOP,))
        self._supervisor.join()

    # --- the supervisor thread -------------------------------------------------------------

    def _supervise(self) -> None:
        failures = 0
        try:
            while not self._stopping.is_set():
                self._run_one()
                if self._stopping.is_set():
                    return
                self._on_state(RECONNECTING)
                failures += 1
                if self._stopping.wait(RESTART[min(failures, len(RESTART)) - 1]):
                    return
        finally:
            self._on_state(STOPPED)

    def _run_one(self) -> None:
        """One process, from its start to its end."""
        down_out, down_in = _SPAWN.Pipe(duplex=False)
        up_out, up_in = _SPAWN.Pipe(duplex=False)
        args = (down_out, up_in, self._address, self._shape)
        process = _SPAWN.Process(target=run_pipeline, args=args, name="stream-out", daemon=True)
        self._heard = time.monotonic()
        process.start()
        self.processes += 1
        down_out.close(), up_in.close()
        self._process = process
        listener = threading.Thread(target=self._listen, args=(up_out,), daemon=True)
        listener.start()
        try:
            self._forward(down_in, process)
        finally:
            process.join(STOP_WAIT)
            if process.is_alive():
                process.kill()
                process.join()
            self._process = None
            down_in.close()
            listener.join()
            up_out.close()

    def _forward(self, down: Connection, process: BaseProcess) -> None:
        """What the room sends, down the pipe, until told to stop or the process ends."""
        self._discard_queued()
        with self._lock:
            first = [("add", t) for t in self._tracks.values()]
        try:
            for message in [*first, ("speaker", self._speaker)]:
                down.send(message)
            while process.is_alive():
                try:
                    message = self._inbox.get(timeout=0.5)
                except queue.Empty:
                    continue
                down.send(message)
                if message[0] == STOP:
                    return
        except OSError:  # the process ended (or was ended): its pipe is broken
            return

    def _discard_queued(self) -> None:
        """Frames queued for an ended process (a new one starts at a key frame anyway);
        the tracks and speaker are sent from what this side knows."""
        with contextlib.suppress(queue.Empty):
            while True:
                if self._inbox.get_nowait()[0] == STOP:
                    self._inbox.put((STOP,))
                    return

    # --- the listener thread ---------------------------------------------------------------

    def _listen(self, up: Connection) -> None:
        with contextlib.suppress(EOFError, OSError):
            while True:
                self._hear(up.recv())

    def _hear(self, message: tuple[object, ...]) -> None:
        self._heard = time.monotonic()
        what, *rest = message
        if what == "beat":
            sent, undecodable = rest
            self.sent_ticks = self._sent_before + int(sent)  # type: ignore[call-overload]
            self.undecodable = int(undecodable)  # type: ignore[call-overload]
        elif what == "state":
            self.connections += rest[0] == LIVE
            self._on_state(str(rest[0]))
        elif what == "done":
            cpu, sent = rest
            self.cpu_seconds += float(cpu)  # type: ignore[arg-type]
            self._sent_before += int(sent)  # type: ignore[call-overload]
            self.sent_ticks = self._sent_before
