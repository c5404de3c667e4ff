"""The wake-up floor: what a process costs that is woken N times a second and does nothing.

    python bench/wakeups.py 85            # an event loop and a blocking read, woken 85/s
    python bench/wakeups.py 85 --seconds 20

An edge is woken by every relayed audio packet and video frame (about 85 a second for one
publisher), whatever it does then. This measures the least that can cost on this machine,
with nothing of ours in it: a receiver process (an asyncio event loop with a reader on a UDP
socket that reads each datagram and drops it; or a plain blocking read in a loop, the floor
of any process, compiled or not) and a sender process (1,200-byte datagrams on 127.0.0.1,
evenly spaced). Printed: the receiver's CPU (every thread, schedstat) in millicores and per
wake-up. bench/cluster.py measures it beside its lines, at the rate its edges were woken.
"""

import argparse
import asyncio
import socket
import subprocess
import sys
import time
from pathlib import Path

DATAGRAM = b"\0" * 1200
KINDS = ("loop", "blocking")


def cpu_seconds(pid: int) -> float:
    """CPU time of every thread of a process, from schedstat (nanoseconds)."""
    total = 0
    for task in Path(f"/proc/{pid}/task").iterdir():
        try:
            total += int((task / "schedstat").read_text().split()[0])
        except (FileNotFoundError, ProcessLookupError):
            continue  # a thread that just ended
    return total / 1e9


def wakeups(pid: int) -> int:
    """The times any thread of a process went to sleep of its own accord (and was woken)."""
    total = 0
    for task in Path(f"/proc/{pid}/task").iterdir():
        try:
            status = (task / "status").read_text()
        except (FileNotFoundError, ProcessLookupError):
            continue  # a thread that just ended
        for line in status.splitlines():
            if line.startswith("voluntary_ctxt_switches:"):
                total += int(line.split()[1])
    return total


def _bound() -> socket.socket:
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.bind(("127.0.0.1", 0))
    print(sock.getsockname()[1], flush=True)
    return sock


async def _loop() -> None:
    sock = _bound()
    sock.setblocking(False)
    into = bytearray(2048)

    def readable() -> None:
        try:
            sock.recv_into(into)
        except BlockingIOError:
            pass

    loop = asyncio.get_running_loop()
    loop.add_reader(sock.fileno(), readable)
    await loop.run_in_executor(None, sys.stdin.readline)  # until told to stop


def _blocking() -> None:
    sock = _bound()
    into = bytearray(2048)
    while True:
        sock.recv_into(into)  # killed when done


def _send(port: int, rate: float) -> None:
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.connect(("127.0.0.1", port))
    due = time.monotonic()
    while True:
        due += 1 / rate
        time.sleep(max(0.0, due - time.monotonic()))
        sock.send(DATAGRAM)


def _child(*args: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, __file__, *args], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
        text=True,
    )  # fmt: skip


async def floor(kind: str, rate: float, seconds: float) -> tuple[float, float]:
    """The receiver's cores, and its wake-ups a second, woken ``rate`` times a second."""
    receiver = _child("--receive", kind)
    port = receiver.stdout.readline().strip()  # type: ignore[union-attr]
    sender = _child("--send", port, str(rate))
    try:
        await asyncio.sleep(2)
        cpu, woken, at = cpu_seconds(receiver.pid), wakeups(receiver.pid), time.monotonic()
        await asyncio.sleep(seconds)
        wall = time.monotonic() - at
        used = (cpu_seconds(receiver.pid) - cpu) / wall
        return used, (wakeups(receiver.pid) - woken) / wall
    finally:
        for child in (sender, receiver):
            child.kill()
            child.communicate()  # and its pipes closed


async def main(args: argparse.Namespace) -> None:
    for kind in KINDS:
        cores, woken = await floor(kind, args.rate, args.seconds)
        print(
            f"wake-up floor ({kind}): woken {woken:.0f}/s, {1000 * cores:.2f} millicores, "
            f"{1e6 * cores / max(woken, 1):.0f} µs a wake-up",
            flush=True,
        )


def parse() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("rate", type=float, nargs="?", default=85.0, help="wake-ups a second")
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--receive", choices=KINDS, help=argparse.SUPPRESS)
    parser.add_argument("--send", type=int, metavar="PORT", help=argparse.SUPPRESS)
    return parser.parse_args()


if __name__ == "__main__":
    arguments = parse()
    if arguments.receive == "loop":
        asyncio.run(_loop())
    elif arguments.receive == "blocking":
        _blocking()
    elif arguments.send is not None:
        _send(arguments.send, arguments.rate)
    else:
        asyncio.run(main(arguments))
