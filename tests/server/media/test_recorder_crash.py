"""A recording survives the kill -9 of the process writing it: what was written plays."""

import os
import signal
import subprocess
import sys
from pathlib import Path

import av

ROOT = Path(__file__).resolve().parents[3]


def test_a_track_file_killed_mid_recording_plays_but_the_last_second(tmp_path: Path) -> None:
    path = tmp_path / "p-video-1.webm"
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    with subprocess.Popen(
        [sys.executable, "-m", "tests.server.media.recording_child", str(path)],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, text=True,
    ) as child:  # fmt: skip
        try:
            assert child.stdout is not None
            handed = 0
            while handed < 90:  # three seconds of video
                handed = int(child.stdout.readline())
            child.send_signal(signal.SIGKILL)
        finally:
            child.kill()
            child.wait()

    with av.open(str(path)) as container:
        frames = list(container.decode(video=0))
    print(f"crash: handed {handed} frames, {len(frames)} playable")
    assert handed - 45 <= len(frames) <= handed  # at most 1.5 s lost (a cluster is 1 s)
    assert {(f.width, f.height) for f in frames} == {(160, 120)}
    assert [round(f.time * 1000) for f in frames] == [n * 33 for n in range(len(frames))]
