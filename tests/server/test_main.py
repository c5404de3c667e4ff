"""``python -m server`` says it is running only once it listens, and says why when it cannot.

Real parts: the web process, started as the README's quick start does, with the test's Redis.
Another socket holds the port, so the process can never bind it: a "running" line printed
before the bind (as aiohttp's ``on_startup`` would) shows up here every time, not only when a
busy machine stretches the gap between the two.
"""

import os
import socket
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_a_taken_port_is_named_and_the_server_never_says_it_is_running(
    tmp_path: Path, redis_url: str
) -> None:
    with socket.socket() as holder:
        holder.bind(("127.0.0.1", 0))
        holder.listen()
        port = holder.getsockname()[1]
        env = {
            **os.environ, "YUNHUI_MODE": "dev", "HOST": "127.0.0.1", "PORT": str(port),
            "BASE_URL": "", "REDIS_URL": redis_url, "SEED_DEMO": "no", "RUN_SCHEDULER": "no",
            "DATA_DIR": str(tmp_path / "data"),
        }  # fmt: skip
        done = subprocess.run(
            [sys.executable, "-m", "server"], cwd=ROOT, env=env, stdin=subprocess.DEVNULL,
            capture_output=True, text=True, timeout=60,
        )  # fmt: skip

    assert done.returncode == 2, done.stderr
    assert "Yunhui is running" not in done.stdout
    assert f"yunhui: cannot start: cannot listen on 127.0.0.1:{port}" in done.stderr
    assert "Traceback" not in done.stderr
