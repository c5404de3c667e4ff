"""python -m server.cluster [--web N]: Yunhui as several processes on this machine, behind
HAProxy (``make run-cluster``; README "Run several processes").

It reads the usual settings (``PORT`` is where HAProxy listens, ``BASE_URL`` the site's
address), starts the embedded Redis unless ``REDIS_URL`` names one (and owns it until the
end, as a web process would), seeds the demo once, writes HAProxy's configuration for N web
processes on the ports after ``PORT`` (the shape of ``deploy/haproxy.cfg``) and a Procfile
(the repository's, plus ``haproxy``), then runs them with honcho: N ``web`` processes
(``PORT`` + 1 …), one ``scheduler``, one ``worker``, ``haproxy``. Ctrl-C stops them all.

HAProxy routes by the ``session`` query parameter (every Socket.IO request of a room carries
it) with consistent hashing, so a room's connections reach one process, and checks each
process's ``/healthz`` every second: a dead one is out within about two seconds, and its
rooms move (the new owner takes the room's lease once it has run out). Requests without the
parameter (pages, API, calendars) go round robin.
"""

import argparse
import asyncio
import os
import signal
import subprocess
import sys
from pathlib import Path

from server.logs import setup_logging
from server.seed import seed_demo
from server.settings import Settings, SettingsError
from server.store import EmbeddedRedis, Store, connect, rename_old_keys

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_WEB_PROCESSES = 3
MOST_WEB_PROCESSES = 32

_HAPROXY = """\
# HAProxy in front of {count} Yunhui web processes (ARCHITECTURE.md "Rooms across processes").
# Written by server/cluster.py (make run-cluster); deploy/haproxy.cfg is the same for three.
global
    maxconn 4096  # two file descriptors each: raise it with the limit (ulimit -n)

defaults
    mode http
    option forwardfor  # the web processes believe it from TRUSTED_PROXIES only
    timeout connect 5s
    timeout client 60s
    timeout server 60s
    timeout tunnel 1h  # a room's WebSocket lives as long as the meeting
    timeout http-request 10s

frontend yunhui
    bind {host}:{front}
    default_backend web

backend web
    # every connection of a room names it (?session=<id>): the same process, by a
    # consistent hash; requests that do not (pages, API, calendars) go round robin
    balance url_param session
    hash-type consistent
    option httpchk GET /healthz
    http-check expect status 200
    default-server inter 1s fall 2 rise 2 on-marked-down shutdown-sessions
    # a process refusing a room another live process owns (wrong_owner) names that owner:
    # the client connects again with ?owner=<host:port>, which goes to it while it is up
    # (decoded: socket.io-client sends the colon as %3A)
{owners}{servers}"""


def haproxy_config(*, host: str, front: int, web_ports: list[int]) -> str:
    """HAProxy's configuration for web processes on ``web_ports`` of ``host``."""
    named = list(enumerate(web_ports, 1))
    owners = "".join(
        f"    use-server web{n} if {{ urlp(owner),url_dec -m str {host}:{port} }}\n"
        for n, port in named
    )
    servers = "".join(f"    server web{n} {host}:{port} check\n" for n, port in named)
    return _HAPROXY.format(
        count=len(web_ports), host=host, front=front, owners=owners, servers=servers
    )


def procfile(base: str, haproxy_cfg: Path) -> str:
    """The repository's Procfile with HAProxy added (web first: honcho numbers its ports).
    A web process killed by a signal (``kill -9``) is started again a second later, as a
    service manager would: honcho itself would stop everything when one process ends."""
    lines = [line for line in base.splitlines() if line.strip() and not line.startswith("#")]
    web = [_restarted(line) for line in lines if line.startswith("web:")]
    rest = [line for line in lines if not line.startswith("web:")]
    return "\n".join([*web, *rest, f"haproxy: haproxy -db -f {haproxy_cfg}"]) + "\n"


def _restarted(line: str) -> str:
    name, _, command = line.partition(":")
    again = 'echo "killed ($rc): starting it again"; sleep 1'
    return (
        f"{name}: while :; do {command.strip()}; rc=$?; [ $rc -ge 128 ] || exit $rc; {again}; done"
    )


def web_ports(settings: Settings, count: int) -> list[int]:
    return [settings.port + n for n in range(1, count + 1)]


def child_env(settings: Settings, redis_url: str) -> dict[str, str]:
    """What every process of the cluster runs with (honcho sets each one's PORT)."""
    env = {k: v for k, v in os.environ.items() if k != "PORT"}
    # the Procfile says `python`: this one (the project's virtualenv), whatever PATH says
    env["PATH"] = os.pathsep.join([str(Path(sys.executable).parent), env.get("PATH", "")])
    env.update(
        REDIS_URL=redis_url, BASE_URL=settings.base_url, HOST=settings.host,
        RUN_SCHEDULER="no", RUN_WORKER="no", SEED_DEMO="no",
        TRUSTED_PROXIES=env.get("TRUSTED_PROXIES") or f"{settings.host}/32",
        DATA_DIR=str(settings.data_dir), SECRET_KEY=settings.secret_key,
        EDGE=env.get("EDGE") or "yes",  # each web process serves the others' big audiences
    )  # fmt: skip
    return env


def supervise(command: list[str], env: dict[str, str]) -> int:
    """Run honcho until it ends. Ctrl-C reaches honcho from the terminal as well: this
    process lets honcho stop its processes (and waits), and passes a SIGTERM on to it."""
    honcho = subprocess.Popen(command, env=env)
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, lambda signum, frame: honcho.terminate())
    return honcho.wait()


async def _seed(redis_url: str, settings: Settings) -> None:
    store = Store(connect(redis_url))
    try:
        await rename_old_keys(
            store.redis
        )  # a Redis of before the hash tags: server/store/key_names.py
        await seed_demo(store, settings)
    finally:
        await store.close()


def run(settings: Settings, count: int) -> int:
    folder = settings.data_dir / "cluster"
    folder.mkdir(parents=True, exist_ok=True)
    loop = asyncio.new_event_loop()
    embedded = None
    if settings.redis_url is None:
        embedded = EmbeddedRedis(settings.data_dir / "redis")
        loop.run_until_complete(embedded.start())
    redis_url = settings.redis_url or (embedded.url if embedded else "")
    try:
        if settings.seed_demo:
            loop.run_until_complete(_seed(redis_url, settings))
        ports = web_ports(settings, count)
        config = folder / "haproxy.cfg"
        config.write_text(haproxy_config(host=settings.host, front=settings.port, web_ports=ports))
        procs = folder / "Procfile"
        procs.write_text(procfile((ROOT / "Procfile").read_text(), config))
        print(f"\n  Yunhui ({count} web processes behind HAProxy): open {settings.base_url}/\n")
        command = [
            sys.executable, "-m", "honcho", "start", "-f", str(procs), "-d", str(ROOT),
            "-p", str(ports[0]), "-c", f"web={count}",
        ]  # fmt: skip
        return supervise(command, child_env(settings, redis_url))
    finally:
        if embedded is not None:
            loop.run_until_complete(embedded.stop())
        loop.close()


def main(argv: list[str] | None = None) -> int:
    setup_logging()
    parser = argparse.ArgumentParser(prog="python -m server.cluster")
    parser.add_argument("--web", type=int, default=DEFAULT_WEB_PROCESSES, help="web processes")
    args = parser.parse_args(argv)
    if not 1 <= args.web <= MOST_WEB_PROCESSES:
        parser.error(f"--web takes 1 to {MOST_WEB_PROCESSES}")
    try:
        settings = Settings.from_env()
    except SettingsError as error:
        print(f"yunhui cluster: cannot start: {error}", file=sys.stderr)
        return 2
    return run(settings, args.web)


if __name__ == "__main__":
    sys.exit(main())
