"""Chat benchmark: one room, C websocket clients, a 1-second burst of 200 messages/s.

    python bench/chat.py                      # C = 100, 500, 1000; Fanout and plain emit
    python bench/chat.py --clients 1000 --modes fanout

For each C and each mode, a fresh server process (`--serve`, 127.0.0.1, a free port) holds one
room; C clients in separate processes (bench/chat_clients.py) join it over websocket, offering
permessage-deflate like browsers. Ten of them each send 20 `chat` messages, one every 50 ms,
their starts spread 5 ms apart (an even 200 messages/s); the server broadcasts each to the whole
room, senders included. Modes:

- `fanout`: the server broadcasts through server.realtime.fanout.Fanout (what Yunhui runs);
- `socketio`: the same server broadcasting with plain python-socketio `emit(to=room)` and the
  library's own websocket driver (the baseline).

Per run it prints delivered/expected, duplicates, out-of-order, p50/p95/p99 latency (send to
receipt, both clocks of this machine) and the server's CPU per delivered message: utime+stime
from /proc/<server pid>/stat, read just before the first message and once every client has
everything (or timed out), before anyone disconnects. Ends with the Fanout line for C = 1000:
``chat: clients=<C> delivered=<d>/<expected> duplicates=<k> us_per_delivery=<x> p95_ms=<y>``.
"""

import argparse
import asyncio
import json
import os
import resource
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import socketio  # noqa: E402
from aiohttp import web  # noqa: E402

from server.realtime.fanout import Fanout  # noqa: E402

NAMESPACE = "/room"
ROOM = "room:bench"
ORIGIN = "http://127.0.0.1:8080"
PER_CLIENT = 10 * 20  # every client receives every message of the 10 senders
CLIENT_TIMEOUT = 20.0  # seconds after the start for the clients to get everything
MODES = ("fanout", "socketio")
TICK = os.sysconf("SC_CLK_TCK")


# --- the server process ---------------------------------------------------------------------


class BenchRoom(socketio.AsyncNamespace):
    """Joins everyone to one room; broadcasts each `chat` event to it."""

    def __init__(self, sio: socketio.AsyncServer, mode: str) -> None:
        super().__init__(NAMESPACE)
        self.fanout = Fanout(sio, NAMESPACE) if mode == "fanout" else None

    async def on_connect(self, sid: str, environ: dict, auth: Any) -> None:
        await self.enter_room(sid, ROOM)

    async def on_chat(self, sid: str, data: dict) -> None:
        message = {"from": sid, **data}
        if self.fanout is not None:
            await self.fanout.to_room(ROOM, "chat", message)
        else:
            await self.emit("chat", message, room=ROOM)


def build_server(mode: str) -> web.Application:
    """The AsyncServer configured as Yunhui's (server/realtime/__init__.py, make_server), on a
    bare aiohttp app, so that the benchmark measures the send path and nothing else."""
    sio = socketio.AsyncServer(
        async_mode="aiohttp",
        cors_allowed_origins=[ORIGIN],
        async_handlers=False,
        max_http_buffer_size=1 << 20,
        transports=["websocket", "polling"],
        logger=False,
        engineio_logger=False,
    )
    sio.register_namespace(BenchRoom(sio, mode))
    app = web.Application()
    sio.attach(app)
    return app


async def serve(mode: str) -> None:
    runner = web.AppRunner(build_server(mode), access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0, backlog=2048)
    await site.start()
    port = runner.addresses[0][1]
    print(f"ready {port}", flush=True)
    await asyncio.to_thread(sys.stdin.readline)  # the parent closes stdin to stop us
    await runner.cleanup()


# --- the parent: one run per (C, mode) ------------------------------------------------------


def cpu_seconds(pid: int) -> tuple[float, float]:
    """User and system CPU seconds of a process (utime, stime of /proc/<pid>/stat)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return int(fields[11]) / TICK, int(fields[12]) / TICK


def peak_rss_mb(pid: int) -> float:
    """The process's peak resident memory (VmHWM of /proc/<pid>/status), in MB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


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


def percentile(ordered: list[int], q: float) -> float:
    if not ordered:
        return float("nan")
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] / 1000


def run_once(mode: str, clients: int, procs: int) -> dict[str, Any]:
    server = spawn([__file__, "--serve", mode])
    workers: list[subprocess.Popen[str]] = []
    try:
        assert server.stdout is not None
        port = int(server.stdout.readline().split()[1])
        workers = spawn_clients(port, clients, procs)
        cpu, results = burst(server.pid, workers)
    finally:
        stop(workers, "quit")
        stop([server], None)
    return summarize(mode, clients, cpu, results)


def spawn_clients(port: int, clients: int, procs: int) -> list[subprocess.Popen[str]]:
    workers, first = [], 0
    for i in range(procs):
        share = clients // procs + (1 if i < clients % procs else 0)
        options = {"--url": f"http://127.0.0.1:{port}", "--origin": ORIGIN, "--total": clients,
                   "--first": first, "--count": share, "--timeout": CLIENT_TIMEOUT}  # fmt: skip
        argv = [str(x) for pair in options.items() for x in pair]
        workers.append(spawn([str(ROOT / "bench" / "chat_clients.py"), *argv]))
        first += share
    return workers


def burst(
    server_pid: int, workers: list[subprocess.Popen[str]]
) -> tuple[tuple[float, float], list[dict]]:
    """Everyone connected: start the senders, wait for every client's tally; server CPU."""
    for worker in workers:
        ask(worker)  # ready
    user0, system0 = cpu_seconds(server_pid)
    go = time.time() + 0.3
    for worker in workers:
        tell(worker, f"go {go}")
    results = [ask(worker) for worker in workers]
    user, system = cpu_seconds(server_pid)
    results[0]["server_rss_mb"] = peak_rss_mb(server_pid)
    return (user - user0, system - system0), results


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


def summarize(
    mode: str, clients: int, cpu_split: tuple[float, float], results: list[dict]
) -> dict[str, Any]:
    cpu = sum(cpu_split)
    latencies = sorted(x for r in results for x in r["latencies_us"])
    delivered = sum(r["delivered"] for r in results)
    return {
        "mode": mode,
        "clients": clients,
        "delivered": delivered,
        "expected": clients * PER_CLIENT,
        "duplicates": sum(r["duplicates"] for r in results),
        "out_of_order": sum(r["out_of_order"] for r in results),
        "p50_ms": percentile(latencies, 0.50),
        "p95_ms": percentile(latencies, 0.95),
        "p99_ms": percentile(latencies, 0.99),
        "server_cpu_s": cpu,
        "server_user_s": cpu_split[0],
        "server_system_s": cpu_split[1],
        "us_per_delivery": cpu / delivered * 1e6 if delivered else float("nan"),
        "client_cpu_s": sum(r["cpu_s"] for r in results),
        "deflate": sum(r["deflate"] for r in results),
        "server_rss_mb": results[0]["server_rss_mb"],
    }


def show(row: dict[str, Any]) -> None:
    print(
        f"{row['mode']:>9} C={row['clients']:<5} "
        f"delivered={row['delivered']}/{row['expected']} dup={row['duplicates']} "
        f"ooo={row['out_of_order']} p50={row['p50_ms']:.1f}ms p95={row['p95_ms']:.1f}ms "
        f"p99={row['p99_ms']:.1f}ms server_cpu={row['server_cpu_s']:.2f}s "
        f"(user {row['server_user_s']:.2f} + sys {row['server_system_s']:.2f}) "
        f"us/delivery={row['us_per_delivery']:.2f} deflate={row['deflate']}/{row['clients']} "
        f"server_peak_rss={row['server_rss_mb']:.0f}MB "
        f"(clients' cpu {row['client_cpu_s']:.1f}s)",
        flush=True,
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--serve", choices=MODES, help=argparse.SUPPRESS)
    parser.add_argument("--clients", type=int, nargs="+", default=[100, 500, 1000])
    parser.add_argument("--modes", nargs="+", choices=MODES, default=list(MODES))
    parser.add_argument("--procs", type=int, default=2, help="client processes (at least 2)")
    args = parser.parse_args()
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    if args.serve:
        asyncio.run(serve(args.serve))
        return
    rows = []
    for clients in args.clients:
        for mode in args.modes:
            rows.append(run_once(mode, clients, max(2, args.procs)))
            show(rows[-1])
        by_mode = {r["mode"]: r for r in rows if r["clients"] == clients}
        if len(by_mode) == 2:
            ratio = by_mode["socketio"]["us_per_delivery"] / by_mode["fanout"]["us_per_delivery"]
            print(f"{'':>9} C={clients:<5} socketio/fanout CPU per delivery = {ratio:.1f}x")
    final = [r for r in rows if r["mode"] == "fanout" and r["clients"] == 1000]
    if final:
        print(closing_line(final[-1]))


def closing_line(r: dict[str, Any]) -> str:
    return (
        f"chat: clients={r['clients']} delivered={r['delivered']}/{r['expected']} "
        f"duplicates={r['duplicates']} us_per_delivery={r['us_per_delivery']:.2f} "
        f"p95_ms={r['p95_ms']:.0f}"
    )


if __name__ == "__main__":
    main()
