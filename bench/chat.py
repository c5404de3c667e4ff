"""Chat benchmark: one room, C websocket clients, a 1-second burst of 200 messages/s.

    python bench/chat.py                    # C = 100, 500, 1000 on each of the three servers
    python bench/chat.py --clients 5000 --modes real        # make bench-chat-5000

For each C and each server, a fresh server process on a free port of 127.0.0.1 holds one
room; C clients in separate processes (bench/chat_clients.py) connect over websocket, offering
permessage-deflate like browsers, and `join`. Ten of them each send 20 `chat` messages, one
every 50 ms, their starts spread 5 ms apart (an even 200 messages/s); the server delivers
each to the whole room, senders included, and acknowledges it. Servers:

- `real`: Yunhui itself, `python -m server` (bench/chat_real.py): anonymous guests connecting
  with `auth.name` and no cookie through the real identity checks, `join`, the `chat` handler
  with its payload checks, rate limit, Redis stream and room lock. The rate limit is per
  person (5 at once, then 1/s); a sender here sends 20 in one second, so the server gets
  CHAT_BURST=20, and says so.
- `stripped`: the stripped path, no auth, validation, Redis or lock: a bare python-socketio
  server broadcasting through server.realtime.fanout.Fanout (bench/chat_servers.py).
- `socketio`: the baseline, the same bare server with plain python-socketio `emit(to=room)`;
  it refuses permessage-deflate as ours does (every handshake is counted: `deflate=0/C`).

Per run: delivered/expected, lost (not received within 30 s + C/100 s of the start),
duplicates, out-of-order, acks, `error` events by code, clients the server cut off (and the
warnings the real server logged), p50/p95/max latency (send to receipt, both clocks of this
machine) and the server process's CPU per delivered message: utime+stime of
/proc/<server pid>/stat, read just before the first message and once every client has
everything (or timed out). Before the burst the bench waits
until the server and the clients are idle (the joins are done). With the embedded Redis its
CPU is shown too. The machine may be shared: the load average is printed with every line.
The 5000-client line is opt-in: before its burst, the real path announces every join to
everyone (`participant_joined`, and a `joined` snapshot listing everyone), 12.5 million
messages and ~1.6 GB of snapshots at C = 5000, which takes several minutes on two cores.
Ends with the real path's line for C = 1000 (or 5000):
``chat: real path clients=<C> delivered=<d>/<expected> lost=<l> duplicates=<k>
us_per_delivery=<x> p95_ms=<y>``.
"""

import argparse
import asyncio
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from chat_real import BenchRedis, RealServer, open_room  # noqa: E402
from chat_servers import ORIGIN  # noqa: E402

MODES = ("real", "stripped", "socketio")
PER_CLIENT = 10 * 20  # every client receives every message of the 10 senders
ACKS = 10 * 20
CLIENT_TIMEOUT = 30.0  # seconds after the start for the clients to get everything (+C/100)
RATE_LIMIT = {"CHAT_BURST": "20"}  # a sender's 20 messages in one second fit its bucket
TICK = os.sysconf("SC_CLK_TCK")
LEGEND = (
    "real = python -m server (identity, join, validation, rate limit, Redis, room lock); "
    "stripped = stripped path: no auth, validation, Redis or lock (Fanout alone); "
    "socketio = plain python-socketio emit, compression refused like ours"
)


# --- processes ------------------------------------------------------------------------------


def cpu_seconds(pid: int) -> float:
    """User + system CPU seconds of a process, all its threads (/proc/<pid>/stat)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICK


def cpu_split(pid: int) -> tuple[float, float]:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return int(fields[11]) / TICK, int(fields[12]) / TICK


def peak_rss_mb(pid: int) -> float:
    """The process's peak resident memory (VmHWM of /proc/<pid>/status), in MB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def settle(pids: list[int], *, most: float = 120.0) -> float:
    """Wait until these processes together use under 3% of a core for half a second."""
    began = time.monotonic()
    before = sum(cpu_seconds(pid) for pid in pids)
    while time.monotonic() - began < most:
        time.sleep(0.5)
        now = sum(cpu_seconds(pid) for pid in pids)
        if now - before < 0.015:
            break
        before = now
    return time.monotonic() - began


def spawn(args: list[str]) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, *args], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
    )


def ask(process: subprocess.Popen[str]) -> dict[str, Any]:
    assert process.stdout is not None
    line = process.stdout.readline()
    if not line:
        raise RuntimeError(f"process {process.pid} ended early")
    return json.loads(line)


def tell(process: subprocess.Popen[str], line: str) -> None:
    assert process.stdin is not None
    process.stdin.write(line + "\n")
    process.stdin.flush()


def stop(processes: list[subprocess.Popen[str]], line: str | None) -> None:
    """Ask politely (a line, or closing stdin), then wait; kill what does not stop."""
    for process in processes:
        assert process.stdin is not None
        try:
            if line is not None:
                tell(process, line)
            process.stdin.close()
        except BrokenPipeError:
            pass  # it already ended
    for process in processes:
        try:
            process.wait(30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


class BareServer:
    """bench/chat_servers.py in `stripped` or `socketio` mode."""

    session_id = "bench"
    origin = ORIGIN

    def __init__(self, mode: str) -> None:
        self.process = spawn([str(ROOT / "bench" / "chat_servers.py"), mode])
        assert self.process.stdout is not None
        self.url = f"http://127.0.0.1:{int(self.process.stdout.readline().split()[1])}"

    @property
    def pid(self) -> int:
        return self.process.pid

    def stop(self) -> None:
        stop([self.process], None)


# --- one run --------------------------------------------------------------------------------


def run_once(mode: str, clients: int, procs: int, redis: BenchRedis | None, folder: Path) -> dict:
    if mode == "real":
        assert redis is not None
        session_id = asyncio.run(open_room(redis.url))
        server: RealServer | BareServer = RealServer(redis, folder, RATE_LIMIT, session_id)
    else:
        server = BareServer(mode)
    workers: list[subprocess.Popen[str]] = []
    redis_pid = redis.pid if redis is not None and mode == "real" else None
    try:
        workers = spawn_clients(server, clients, procs)
        for worker in workers:
            ask(worker)  # everyone is in the room
        settled = settle([server.pid, *(w.pid for w in workers)])
        row = burst(server.pid, redis_pid, workers)
        row["complaints"] = server.complaints() if isinstance(server, RealServer) else []
    finally:
        if mode == "real":  # killed first: clients leaving would each be told to everyone
            server.stop()
        stop(workers, "quit")
        server.stop()
    return summarize(mode, clients, row) | {"settled_s": settled}


def spawn_clients(
    server: RealServer | BareServer, clients: int, procs: int
) -> list[subprocess.Popen[str]]:
    workers, first = [], 0
    for i in range(procs):
        share = clients // procs + (1 if i < clients % procs else 0)
        options = {"--url": server.url, "--origin": server.origin, "--session": server.session_id,
                   "--total": clients, "--first": first, "--count": share,
                   "--timeout": CLIENT_TIMEOUT + clients / 100}  # fmt: skip
        argv = [str(x) for pair in options.items() for x in pair]
        workers.append(spawn([str(ROOT / "bench" / "chat_clients.py"), *argv]))
        first += share
    return workers


def burst(server_pid: int, redis_pid: int | None, workers: list[subprocess.Popen[str]]) -> dict:
    """Start the senders, wait for every client's tally; the server's (and Redis's) CPU."""
    user0, system0 = cpu_split(server_pid)
    redis0 = cpu_seconds(redis_pid) if redis_pid else 0.0
    go = time.time() + 0.3
    for worker in workers:
        tell(worker, f"go {go}")
    results = [ask(worker) for worker in workers]
    user, system = cpu_split(server_pid)
    redis_cpu = cpu_seconds(redis_pid) - redis0 if redis_pid else None
    return {
        "results": results,
        "user": user - user0,
        "system": system - system0,
        "redis_cpu": redis_cpu,
        "rss": peak_rss_mb(server_pid),
        "load": os.getloadavg()[0],
    }


def percentile(ordered: list[int], q: float) -> float:
    if not ordered:
        return float("nan")
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] / 1000


def summarize(mode: str, clients: int, run: dict) -> dict[str, Any]:
    results = run["results"]
    latencies = sorted(x for r in results for x in r["latencies_us"])
    delivered = sum(r["delivered"] for r in results)
    cpu = run["user"] + run["system"]
    errors: dict[str, int] = {}
    for r in results:
        for code, n in r["errors"].items():
            errors[code] = errors.get(code, 0) + n
    return {
        "mode": mode,
        "clients": clients,
        "delivered": delivered,
        "expected": clients * PER_CLIENT,
        "lost": clients * PER_CLIENT - delivered,
        "duplicates": sum(r["duplicates"] for r in results),
        "out_of_order": sum(r["out_of_order"] for r in results),
        "acks": sum(r["acks"] for r in results),
        "duplicate_acks": sum(r["duplicate_acks"] for r in results),
        "disconnected": sum(r["disconnected"] for r in results),
        "complaints": run["complaints"],
        "errors": errors,
        "p50_ms": percentile(latencies, 0.50),
        "p95_ms": percentile(latencies, 0.95),
        "max_ms": latencies[-1] / 1000 if latencies else float("nan"),
        "server_cpu_s": cpu,
        "server_user_s": run["user"],
        "server_system_s": run["system"],
        "us_per_delivery": cpu / delivered * 1e6 if delivered else float("nan"),
        "redis_cpu_s": run["redis_cpu"],
        "client_cpu_s": sum(r["cpu_s"] for r in results),
        "deflate": sum(r["deflate"] for r in results),
        "server_rss_mb": run["rss"],
        "load": run["load"],
    }


def show(row: dict[str, Any]) -> None:
    errors = ",".join(f"{code}:{n}" for code, n in sorted(row["errors"].items())) or "none"
    redis = f" redis_cpu={row['redis_cpu_s']:.2f}s" if row["redis_cpu_s"] is not None else ""
    print(
        f"{row['mode']:>8} C={row['clients']:<5} "
        f"delivered={row['delivered']}/{row['expected']} lost={row['lost']} "
        f"dup={row['duplicates']} ooo={row['out_of_order']} "
        f"acks={row['acks']}/{ACKS} errors={errors} cut_off={row['disconnected']} "
        f"p50={row['p50_ms']:.1f}ms p95={row['p95_ms']:.1f}ms max={row['max_ms']:.1f}ms "
        f"server_cpu={row['server_cpu_s']:.2f}s (user {row['server_user_s']:.2f} + sys "
        f"{row['server_system_s']:.2f}) us/delivery={row['us_per_delivery']:.2f}{redis} "
        f"deflate={row['deflate']}/{row['clients']} server_peak_rss={row['server_rss_mb']:.0f}MB "
        f"(clients' cpu {row['client_cpu_s']:.1f}s; idle after joins in {row['settled_s']:.0f}s; "
        f"load {row['load']:.2f})",
        flush=True,
    )
    if row["deflate"]:
        print(f"{'':>8} WARNING: {row['deflate']} handshakes accepted permessage-deflate")
    if row["complaints"]:
        print(f"{'':>8} the server logged {len(row['complaints'])} warnings or errors, the "
              f"first: {row['complaints'][0]}")  # fmt: skip


def closing_line(r: dict[str, Any]) -> str:
    return (
        f"chat: real path clients={r['clients']} delivered={r['delivered']}/{r['expected']} "
        f"lost={r['lost']} duplicates={r['duplicates']} "
        f"us_per_delivery={r['us_per_delivery']:.2f} p95_ms={r['p95_ms']:.0f}"
    )


# --- the plan -------------------------------------------------------------------------------


def raise_fd_limit(clients: int) -> None:
    """Every process of the bench (the server, clients, Redis inherit it) may open enough."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    if hard < clients + 256:
        print(f"warning: RLIMIT_NOFILE hard limit {hard} is too low for {clients} clients")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--clients", type=int, nargs="+", default=[100, 500, 1000])
    parser.add_argument("--modes", nargs="+", choices=MODES, default=list(MODES))
    parser.add_argument("--procs", type=int, default=2, help="client processes (at least 2)")
    args = parser.parse_args()
    runs = [(c, m) for c in args.clients for m in args.modes]
    raise_fd_limit(max(args.clients))
    print(f"servers: {LEGEND}; lost = not received within {CLIENT_TIMEOUT:.0f} s + C/100 s",
          flush=True)  # fmt: skip
    with tempfile.TemporaryDirectory(prefix="yunhui-bench-chat-") as tmp:
        redis = BenchRedis(Path(tmp)) if "real" in args.modes else None
        if redis is not None:
            print(f"real path: Redis is {redis.about}; the server runs with "
                  f"{' '.join(f'{k}={v}' for k, v in RATE_LIMIT.items())} (a sender sends 20 "
                  "messages in 1 s; the default bucket of 5, then 1/s, would refuse 14 of "
                  "them)", flush=True)  # fmt: skip
        try:
            rows: list[dict[str, Any]] = []
            for clients, mode in runs:
                rows.append(run_once(mode, clients, max(2, args.procs), redis, Path(tmp)))
                show(rows[-1])
        finally:
            if redis is not None:
                redis.stop()
    for row in rows:
        if row["mode"] == "real" and row["clients"] in (1000, 5000):
            print(closing_line(row))


if __name__ == "__main__":
    main()
