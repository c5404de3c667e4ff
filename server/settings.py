"""The one place that reads the environment: a frozen Settings object."""

import ipaddress
import json
import os
import secrets
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent.parent


class SettingsError(Exception):
    """The configuration cannot run; the message says what to set."""


def _flag(value: str | None, default: bool) -> bool:
    if value is None or value == "":
        return default
    if value.lower() in {"1", "true", "yes", "on"}:
        return True
    if value.lower() in {"0", "false", "no", "off"}:
        return False
    raise SettingsError(f"Expected a yes/no value, got {value!r}.")


def _int(env: Mapping[str, str], name: str, default: int) -> int:
    raw = env.get(name, "")
    if raw == "":
        return default
    try:
        return int(raw)
    except ValueError:
        raise SettingsError(f"{name} must be an integer, got {raw!r}.") from None


def _float(env: Mapping[str, str], name: str, default: float) -> float:
    raw = env.get(name, "")
    if raw == "":
        return default
    try:
        value = float(raw)
    except ValueError:
        raise SettingsError(f"{name} must be a number, got {raw!r}.") from None
    if not 0 < value < 3600:
        raise SettingsError(f"{name} must be between 0 and 3600 seconds.")
    return value


def _secret_key(env: Mapping[str, str], production: bool, data_dir: Path) -> str:
    key = env.get("SECRET_KEY", "")
    if key:
        if len(key) < 32:
            raise SettingsError("SECRET_KEY must be at least 32 characters long.")
        return key
    if production:
        raise SettingsError("SECRET_KEY is required when YUNHUI_MODE=production.")
    path = data_dir / "secret_key"
    if path.exists():
        return path.read_text().strip()
    data_dir.mkdir(parents=True, exist_ok=True)
    # Several processes (web, scheduler, worker) may start at once on a new data folder:
    # the key is written whole under a private name, then linked into place. The first
    # link wins; the others read the winner's key, never a half-written file.
    draft = data_dir / f".secret_key.{os.getpid()}.{secrets.token_hex(4)}"
    fd = os.open(draft, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as out:
        out.write(secrets.token_urlsafe(48))
    try:
        os.link(draft, path)
    except FileExistsError:
        pass
    finally:
        draft.unlink()
    return path.read_text().strip()


def _addresses(raw: str) -> tuple[str, ...]:
    addresses = tuple(part.strip() for part in raw.split(",") if part.strip())
    for address in addresses:
        try:
            ipaddress.ip_address(address)
        except ValueError:
            raise SettingsError(
                f"MEDIA_HOST_ADDRESSES takes IP addresses, got {address!r}."
            ) from None
    return addresses


def _relay_host(raw: str) -> str:
    address = raw.strip() or "127.0.0.1"
    try:
        ipaddress.ip_address(address)
    except ValueError:
        raise SettingsError(f"RELAY_HOST takes an IP address, got {address!r}.") from None
    return address


Network = ipaddress.IPv4Network | ipaddress.IPv6Network


def network_list(raw: str) -> tuple[Network, ...]:
    """TRUSTED_PROXIES: addresses or networks (CIDR), comma-separated."""
    networks = []
    for part in (part.strip() for part in raw.split(",")):
        if not part:
            continue
        try:
            networks.append(ipaddress.ip_network(part, strict=False))
        except ValueError:
            raise SettingsError(
                f"TRUSTED_PROXIES takes IP addresses or networks, got {part!r}."
            ) from None
    return tuple(networks)


def _ice_servers(raw: str) -> tuple[dict[str, object], ...]:
    if not raw:
        return ()
    try:
        servers = json.loads(raw)
    except json.JSONDecodeError as exc:
        raise SettingsError(f"ICE_SERVERS must be a JSON list: {exc}") from None
    if not isinstance(servers, list) or not all(
        isinstance(s, dict) and "urls" in s for s in servers
    ):
        raise SettingsError('ICE_SERVERS must be a JSON list of {"urls": ...} objects.')
    return tuple(servers)


def check_origins(origins: Sequence[str]) -> tuple[str, ...]:
    """The origins the realtime server accepts: at least one, each ``scheme://host[:port]``.

    ``[]`` would turn python-socketio's Origin check off and ``"*"`` would accept any site:
    both are refused.
    """
    if not origins:
        raise SettingsError("The realtime server needs at least one allowed origin.")
    for origin in origins:
        parts = urlsplit(origin)
        well_formed = parts.scheme in {"http", "https"} and parts.netloc and not parts.path
        if origin == "*" or not well_formed or parts.query or parts.fragment:
            raise SettingsError(
                f"REALTIME_ORIGINS takes origins like https://meet.example.org, got {origin!r}."
            )
    return tuple(origins)


def _origins(raw: str) -> tuple[str, ...]:
    return tuple(part.strip().rstrip("/") for part in raw.split(",") if part.strip())


@dataclass(frozen=True, slots=True)
class Settings:
    production: bool
    host: str
    port: int
    base_url: str
    redis_url: str | None  # None: start the embedded Redis under data_dir
    data_dir: Path
    secret_key: str
    run_scheduler: bool = True
    run_worker: bool = False  # the worker inside the web process (from_env: on unless told)
    seed_demo: bool = True
    scheduler_interval: float = 1.0
    reminder_minutes: int = 15
    lobby_minutes: int = 15
    invite_max_age_days: int = 30
    login_max_failures: int = 5
    login_lockout_seconds: int = 900
    # reverse proxies whose X-Forwarded-For is believed (server.auth.client_address); none by
    # default: the client is the peer of the connection
    trusted_proxies: tuple[Network, ...] = ()
    max_body_bytes: int = 256 * 1024
    email_enabled: bool = False
    smtp_host: str = ""
    smtp_port: int = 25
    mail_from: str = "yunhui@localhost"
    ice_servers: tuple[dict[str, object], ...] = field(default_factory=tuple)
    media_host_addresses: tuple[str, ...] = ()  # the SFU's host candidates; () = all but loopback
    media_refuse_private: bool = False  # refuse clients' candidates in private ranges
    # realtime (server/realtime): extra allowed origins besides base_url's own
    realtime_origins: tuple[str, ...] = ()
    payload_max_bytes: int = 64 * 1024  # larger event payloads are refused (error event)
    transport_max_bytes: int = 1024 * 1024  # beyond this the transport disconnects
    chat_burst: int = 5  # chat messages one person may send at once...
    chat_per_second: float = 1.0  # ...and on average after that
    room_watch_seconds: float = 2.0  # how often live rooms look for their session's end
    room_lease_seconds: float = 5.0  # a room's lease (its owner's claim): a dead owner's rooms
    # move to another process this long after its last renewal (server/realtime/ownership.py)
    # this process's name among several ("" = HOST:PORT): unique, and the address HAProxy
    # reaches it at (its ?owner= routing, deploy/haproxy.cfg)
    process_name: str = ""
    # audiences beyond one process (server/edges.py, server/audiences.py): whether this
    # process serves as an edge for other owners' rooms (EDGE), how many media seats a room
    # keeps on its owner before further viewers' media go to live edges (EDGE_PLACE_AFTER;
    # negative: never), and the address relay links bind on (RELAY_HOST: one the other
    # processes reach)
    edge: bool = False
    edge_place_after: int = 100
    relay_host: str = "127.0.0.1"
    # the CJK font embedded in generated PDFs (server/reports); None: Debian's usual place
    report_font: Path | None = None
    # the organization's seal on signed agreements (server/signing_seal.py): a PKCS#12 file,
    # or a PEM private key with its PEM certificate; None: in dev, a self-signed one made
    # under data_dir/seal at first start; in production, signed PDFs cannot be sealed
    seal_key_file: Path | None = None
    seal_cert_file: Path | None = None
    seal_passphrase: str = ""

    def __post_init__(self) -> None:
        check_origins(self.cors_origins)

    @property
    def cors_origins(self) -> tuple[str, ...]:
        """Origins that may open a Socket.IO connection: the site's own, then the extra ones."""
        return (self.origin, *self.realtime_origins)

    @property
    def secure_cookies(self) -> bool:
        return self.base_url.startswith("https://")

    @property
    def origin(self) -> str:
        parts = urlsplit(self.base_url)
        return f"{parts.scheme}://{parts.netloc}"

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> "Settings":
        env = os.environ if env is None else env
        mode = env.get("YUNHUI_MODE", "dev")
        if mode not in {"dev", "production"}:
            raise SettingsError(f"YUNHUI_MODE must be dev or production, got {mode!r}.")
        production = mode == "production"
        data_dir = Path(env.get("DATA_DIR", "") or ROOT / "var").resolve()
        host = env.get("HOST", "127.0.0.1")
        port = _int(env, "PORT", 8080)
        base_url = env.get("BASE_URL", "") or f"http://{host}:{port}"
        if not base_url.startswith(("http://", "https://")):
            raise SettingsError(f"BASE_URL must start with http:// or https://, got {base_url!r}.")
        if production and not env.get("REDIS_URL"):
            raise SettingsError("REDIS_URL is required when YUNHUI_MODE=production.")
        return cls(
            production=production,
            host=host,
            port=port,
            base_url=base_url.rstrip("/"),
            redis_url=env.get("REDIS_URL") or None,
            data_dir=data_dir,
            secret_key=_secret_key(env, production, data_dir),
            run_scheduler=_flag(env.get("RUN_SCHEDULER"), True),
            run_worker=_flag(env.get("RUN_WORKER"), True),
            seed_demo=_flag(env.get("SEED_DEMO"), not production),
            reminder_minutes=_int(env, "REMINDER_MINUTES", 15),
            lobby_minutes=_int(env, "LOBBY_MINUTES", 15),
            email_enabled=_flag(env.get("EMAIL_ENABLED"), False),
            smtp_host=env.get("SMTP_HOST", ""),
            smtp_port=_int(env, "SMTP_PORT", 25),
            mail_from=env.get("MAIL_FROM", "yunhui@localhost"),
            scheduler_interval=_float(env, "SCHEDULER_INTERVAL", 1.0),
            ice_servers=_ice_servers(env.get("ICE_SERVERS", "")),
            media_host_addresses=_addresses(env.get("MEDIA_HOST_ADDRESSES", "")),
            media_refuse_private=_flag(env.get("MEDIA_REFUSE_PRIVATE"), production),
            realtime_origins=_origins(env.get("REALTIME_ORIGINS", "")),
            trusted_proxies=network_list(env.get("TRUSTED_PROXIES", "")),
            chat_burst=_int(env, "CHAT_BURST", 5),
            chat_per_second=_float(env, "CHAT_PER_SECOND", 1.0),
            room_lease_seconds=_float(env, "ROOM_LEASE_SECONDS", 5.0),
            process_name=env.get("PROCESS_NAME", "").strip()[:100],
            edge=_flag(env.get("EDGE"), False),
            edge_place_after=_int(env, "EDGE_PLACE_AFTER", 100),
            relay_host=_relay_host(env.get("RELAY_HOST", "")),
            report_font=Path(env["REPORT_FONT"]) if env.get("REPORT_FONT") else None,
            seal_key_file=Path(env["SEAL_KEY_FILE"]) if env.get("SEAL_KEY_FILE") else None,
            seal_cert_file=Path(env["SEAL_CERT_FILE"]) if env.get("SEAL_CERT_FILE") else None,
            seal_passphrase=env.get("SEAL_PASSPHRASE", ""),
        )
