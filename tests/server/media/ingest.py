"""A local RTMP ingest for the streamer's tests: Debian's nginx with its RTMP module
(``make rtmp`` installs them), on 127.0.0.1, its files under the test's folder, run in the
foreground by PID; and a reader of what it receives, with PyAV."""

import shutil
import signal
import socket
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import av

NGINX = "/usr/sbin/nginx"
MODULE = "/usr/lib/nginx/modules/ngx_rtmp_module.so"
PORTS = range(19350, 19360)

CONFIG = """load_module {module};
daemon off;
master_process off;
pid {prefix}/nginx.pid;
error_log {prefix}/error.log info;
events {{ worker_connections 64; }}
rtmp {{
    server {{
        listen 127.0.0.1:{port};
        application live {{ live on; record off; wait_key on; wait_video on; }}
    }}
}}
"""


def missing() -> str | None:
    """What is missing to run the ingest, None when nothing is."""
    if shutil.which(NGINX) is None or not Path(MODULE).exists():
        return "Debian's nginx and libnginx-mod-rtmp (make rtmp)"
    return None


def _free_port() -> int:
    for port in PORTS:
        with socket.socket() as probe:
            try:
                probe.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    raise RuntimeError("no free port in 19350-19359")


@dataclass
class Ingest:
    folder: Path
    port: int = field(default_factory=_free_port)
    process: subprocess.Popen[bytes] | None = None

    def url(self, app: str = "live") -> str:
        return f"rtmp://127.0.0.1:{self.port}/{app}"

    def start(self) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        config = self.folder / "nginx.conf"
        config.write_text(CONFIG.format(module=MODULE, prefix=self.folder, port=self.port))
        log = self.folder / "error.log"
        self.process = subprocess.Popen(
            [NGINX, "-p", str(self.folder), "-e", str(log), "-c", str(config)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline:
            with socket.socket() as probe:
                if probe.connect_ex(("127.0.0.1", self.port)) == 0:
                    return
            time.sleep(0.02)
        raise RuntimeError(f"nginx did not listen: {(self.folder / 'error.log').read_text()}")

    def kill(self) -> None:
        """The ingest drops at once, as a crash would."""
        if self.process is not None:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait()
            self.process = None


@dataclass(frozen=True)
class Received:
    width: int
    height: int
    video: list[float]  # each decoded video frame's time (s), in order
    audio: list[float]  # each decoded audio frame's time (s)
    sample_rate: int
    luma: float  # the mean luma of the last video frame


def receive(address: str, *, video_frames: int) -> Received:
    """Decode what the ingest sends for ``address`` until ``video_frames`` video frames came
    (blocking: run it in a thread)."""
    video: list[float] = []
    audio: list[float] = []
    width = height = rate = 0
    luma = 0.0
    options = {"rw_timeout": "8000000", "analyzeduration": "1000000"}
    with av.open(address, options=options, timeout=8) as container:
        for frame in container.decode(*container.streams):
            if isinstance(frame, av.VideoFrame):
                video.append(float(frame.time or 0))
                width, height = frame.width, frame.height
                if len(video) >= video_frames:
                    plane = bytes(frame.planes[0])
                    luma = sum(plane[::97]) / len(plane[::97])
                    break
            elif isinstance(frame, av.AudioFrame):
                audio.append(float(frame.time or 0))
                rate = frame.sample_rate
    return Received(width, height, video, audio, rate, luma)


@contextmanager
def running_ingest(folder: Path) -> Iterator["Ingest"]:
    """A local ingest (nginx-rtmp) under ``folder`` for a test, killed after it; a test
    fails (never skips) where Debian's nginx or its RTMP module is missing."""
    if (lacking := missing()) is not None:
        raise AssertionError(f"the streaming tests need {lacking}")
    ingest = Ingest(folder)
    ingest.start()
    try:
        yield ingest
    finally:
        ingest.kill()
