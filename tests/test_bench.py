"""The benchmarks stay runnable: every bench module imports against today's code (they
are not run by the suite, so a moved name would otherwise break them unnoticed), and the
class bench, the SFU bench's edge line and the cluster bench's one-edge line run whole at a
tiny size."""

import importlib
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from tests.browser.netns import embedded_redis

BENCH = Path(__file__).resolve().parent.parent / "bench"


@pytest.mark.parametrize("name", sorted(p.stem for p in BENCH.glob("*.py")))
def test_bench_module_imports(name: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.syspath_prepend(str(BENCH))

    module = importlib.import_module(name)

    assert module.__file__ == str(BENCH / f"{name}.py")
    sys.modules.pop(name, None)


CLASS_LINE = re.compile(
    r"class: listeners=(\d+) media_loss_pct=(\d+\.\d{3}) poll_results_p95_ms=(\d+) "
    r"server_cores=(\d+\.\d{2})"
)


def test_class_bench_prints_its_line_and_counts_every_vote() -> None:
    env = {k: v for k, v in os.environ.items() if k != "REDIS_URL"}  # a redis-server of its own
    command = [sys.executable, str(BENCH / "classroom.py"), "--listeners", "3", "--workers", "1",
               "--settle", "1", "--vote-within", "1", "--clip-seconds", "1"]  # fmt: skip

    done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=180)

    assert done.returncode == 0, done.stderr[-3000:]
    lines = done.stdout.splitlines()
    line = CLASS_LINE.fullmatch(lines[-1])
    assert line is not None, done.stdout
    assert line[1] == "3"
    assert "    poll: 3/3 votes counted; 3 votes acknowledged" in done.stdout
    assert "(3/3 got them)" in done.stdout


def _packets(seq_ts: list[tuple[int, int]]) -> list[int]:
    return [seq << 32 | ts for seq, ts in seq_ts]


@pytest.mark.parametrize(
    ("seq_ts", "counted"),
    [
        ([(s, s * 960) for s in range(10)], (10, 0)),  # everything
        ([(s, s * 960) for s in range(10) if s != 4], (9, 1)),  # a hole: lost on the way
        ([(i, t * 960) for i, t in enumerate([0, 1, 2, 3, 5, 6])], (6, 1)),  # the SFU skipped
        ([(65535, 0), (0, 960), (1, 1920)], (3, 0)),  # the sequence wraps
        # video, 2 packets a frame, frames 3 and 4 skipped by the SFU, the timestamp wrapping
        (
            [
                ((65534 + i) % 65536, (f * 3000 - 6000) % 2**32)
                for i, f in enumerate([0, 0, 1, 1, 2, 2, 5, 5])
            ],
            (8, 4),
        ),
    ],
)
def test_class_bench_counts_holes_and_frames_the_sfu_skipped(
    seq_ts: list[tuple[int, int]], counted: tuple[int, int], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.syspath_prepend(str(BENCH))
    from classroom import missing

    assert missing(_packets(seq_ts)) == counted


def test_class_bench_counts_everything_the_teacher_sent_to_a_listener_whose_media_stopped(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.syspath_prepend(str(BENCH))
    from classroom import media_loss

    counts = [(100, 0, False), (50, 0, True), (0, 0, True)]  # (received, missing, stopped)

    assert media_loss(counts, 100) == (150, 300, 2)


@pytest.mark.parametrize("kind", ["loop", "blocking"])
async def test_wakeup_floor_counts_the_wakeups_it_was_sent(
    kind: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """bench/wakeups.py: the receiver is woken about as often as datagrams were sent, and
    its CPU is read (what bench/cluster.py reads its lines against)."""
    monkeypatch.syspath_prepend(str(BENCH))
    wakeups = importlib.import_module("wakeups")

    cores, woken = await wakeups.floor(kind, 40, 2)

    assert 25 <= woken <= 60
    assert 0 < cores < 0.5


SFU_LINE = re.compile(r"sfu: pkts_per_core_s=(\d+) p95_ms=\S+ edge_pkts_per_core_s=(\d+)")
EDGE_RUN = re.compile(r"edge N=2: (\d+) pkt/s forwarded, server \S+ core: .* pkt/core-s")


def test_sfu_bench_measures_the_edge_process_serving_every_viewer() -> None:
    env = {k: v for k, v in os.environ.items() if k != "REDIS_URL"}  # a redis-server of its own
    command = [sys.executable, str(BENCH / "sfu.py"), "--viewers", "2", "--peer-runs", "0",
               "--transcode", "", "--room", "0", "--seconds", "1", "--workers", "1"]  # fmt: skip

    done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=60)

    assert done.returncode == 0, done.stderr[-3000:]
    line = SFU_LINE.fullmatch(done.stdout.splitlines()[-1])
    assert line is not None, done.stdout
    run = EDGE_RUN.search(done.stdout)
    assert run is not None, done.stdout
    assert int(run[1]) > 0  # the edge's own outlets forwarded: the viewers were on the edge
    assert int(line[2]) > 0


def _run(forwarded: int, cpu: float, received: int, gaps: int, silent: int = 0) -> dict:
    return {"forwarded": forwarded, "cpu": cpu, "received": received, "gaps": gaps,
            "viewers": 10, "silent": silent}  # fmt: skip


def test_sfu_bench_leaves_out_runs_whose_viewers_missed_packets(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.syspath_prepend(str(BENCH))
    from sfu import figure, pooled, report_alternating

    kept, missed = _run(1000, 1.0, 10_000, 50), _run(9000, 1.0, 10_000, 51)  # 0.50 %, 0.51 %
    quiet = _run(8000, 1.0, 9000, 0, silent=1)  # one of 10 viewers had nothing: 10 % missing
    runs = {"sfu": [kept, missed], "mediasoup": [missed, quiet, _run(0, 1.0, 0, 0, silent=10)]}

    report_alternating(runs, 100)

    assert pooled(runs["sfu"]) == 1000
    assert figure(pooled(runs["mediasoup"])) == "invalid"
    out = capsys.readouterr().out
    assert "ours 1000 (0.50% missing) 9000 (0.51% missing, left out)" in out
    assert "ours: 1 of 2 runs left out" in out
    assert (
        "mediasoup 9000 (0.51% missing, left out) 8000 (10.00% missing, left out) 0 (100.00%" in out
    )
    assert "mediasoup: 3 of 3 runs left out" in out
    assert "its figure is not valid" in out


CLUSTER_LINE = re.compile(
    r"cluster: viewers=4 edges=1 loss_pct=(\d+\.\d\d) cost_per_viewer_vs_single=(\d+\.\d\d) "
    r"failover_s=(\d+\.\d\d)"
)


def test_cluster_bench_measures_both_rooms_in_turn_and_moves_the_killed_edges_viewers(
    tmp_path: Path,
) -> None:
    with embedded_redis(tmp_path) as url:  # the bench flushes the databases it uses
        env = {**os.environ, "REDIS_URL": f"{url}?db=0"}
        command = [sys.executable, str(BENCH / "cluster.py"), "--viewers", "4", "--edges", "1",
                   "--workers", "1", "--rounds", "1", "--seconds", "1"]  # fmt: skip

        done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=180)

    assert done.returncode == 0, done.stderr[-3000:]
    line = CLUSTER_LINE.search(done.stdout)
    assert line is not None, done.stdout
    assert float(line[1]) == 0.0 and float(line[2]) > 0  # nothing lost; both rooms measured
    assert float(line[3]) < 30  # the killed edge's viewers received video again
    assert "each, on edge-0)" in done.stdout  # the spread room's viewers were on the edge
    assert "the killed edge's 4 viewers failed after" in done.stdout
