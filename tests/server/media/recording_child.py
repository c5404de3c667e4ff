"""A process that records a synthetic VP8 track in real time until killed (the crash test)."""

import sys
import time
from pathlib import Path

from recordings.timeline import TrackFile
from recordings.writer import TrackWriter
from tests.server.media.synthetic import encode_clip, vp8_payloads


def main(path: Path) -> None:
    clip = encode_clip(seconds=1, width=160, height=120, bitrate=150_000)
    track = TrackFile(name=path.name, participant_id="p", kind="video", codec="VP8", segment=1)
    writer = TrackWriter(path, track, on_error=lambda name: None)
    start = time.monotonic()
    n = 0
    while True:
        frame = clip.video[n % len(clip.video)]
        writer.write(tuple(vp8_payloads(frame, n & 0x7FFF)), n * 33, n % len(clip.video) == 0)
        n += 1
        print(n, flush=True)  # frames handed to the writer so far
        time.sleep(max(0.0, start + n / 30 - time.monotonic()))


if __name__ == "__main__":
    main(Path(sys.argv[1]))
