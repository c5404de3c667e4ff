"""Chat benchmark clients: one process holding many Socket.IO clients over websocket.

Started by bench/chat.py, never by hand. Each client is a small asyncio protocol speaking
RFC 6455 and the Engine.IO 4 / Socket.IO 5 wire protocol itself, as PROTOCOL.md describes it
for any client: the upgrade request `GET /socket.io/?EIO=4&transport=websocket` offers
`permessage-deflate; client_max_window_bits` as browsers do (and inflates frames if the
server accepts), then `40/room,{"session_id", "name"}` (an anonymous guest: a name and no
cookie), then `join`; the client is in the room once `chat_history` arrives. Engine.IO pings
("2") are answered with pongs ("3"). It costs a few µs per message, against ~10 µs for
aiohttp's websocket client: the clients share this machine's two cores with the server, and
the latency they measure should be the server's, not theirs.

Senders emit `chat` events `{"text": "... #<sender> <seq> <sent_at>#", "client_id"}` with an
ack id, as the room page does; every client records, per message it receives, the latency and
whether it is new, a duplicate or out of order; senders count the acks, and every client the
`error` events it gets (their codes). Talks to its parent on stdin/stdout, one line each way
per step:
    -> {"ready": <clients in the room>}
    <- go <epoch seconds at which sender 0 sends its first message>
    -> {"deflate": <clients whose offer of permessage-deflate the server accepted>,
        "delivered", "duplicates", "out_of_order", "acks", "duplicate_acks", "disconnected",
        "errors": {code: n},
        "latencies_us": [...], "cpu_s"}
    <- quit
"""

import argparse
import asyncio
import base64
import json
import os
import re
import resource
import struct
import sys
import time
import zlib
from typing import Any
from urllib.parse import urlsplit

SENDERS = 10
MESSAGES = 20
INTERVAL = 0.050  # seconds between two messages of one sender
PHASE = INTERVAL / SENDERS  # sender k starts k * 5 ms after sender 0: 200 msg/s, evenly spread
CHAT = '42/room,["chat",'
HISTORY = '42/room,["chat_history",'
ERROR = '42/room,["error",'
ACK = "43/room,"
TEXT = "The review panel resumes in five minutes; please check the shared agenda. 会议五分钟后继续"
DEFLATE_TAIL = b"\x00\x00\xff\xff"
ERROR_CODE = re.compile(r'"code":"([a-z_]+)"')


class Tally:
    """What one process's clients received."""

    def __init__(self, clients: int, senders: int) -> None:
        self.expected = clients * SENDERS * MESSAGES
        self.expected_acks = senders * MESSAGES
        self.delivered = 0
        self.duplicates = 0
        self.out_of_order = 0
        self.acks = 0
        self.duplicate_acks = 0
        self.disconnected = 0  # clients the server cut off while in the room
        self.errors: dict[str, int] = {}
        self.latencies_us: list[int] = []
        self.complete = asyncio.Event()

    def check(self) -> None:
        if self.delivered == self.expected and self.acks == self.expected_acks:
            self.complete.set()


def masked_frame(text: str, opcode: int = 0x1) -> bytes:
    """A client frame: final, masked with a random key (RFC 6455 §5.3)."""
    payload = text.encode()
    size = len(payload)
    if size < 126:
        header = struct.pack("!BB", 0x80 | opcode, 0x80 | size)
    else:
        header = struct.pack("!BBH", 0x80 | opcode, 0x80 | 126, size)
    mask = os.urandom(4)
    key = int.from_bytes((mask * (size // 4 + 1))[:size], "big")
    return header + mask + (int.from_bytes(payload, "big") ^ key).to_bytes(size, "big")


class Client(asyncio.Protocol):
    def __init__(
        self, index: int, sender: int | None, tally: Tally, origin: str, session_id: str
    ) -> None:
        self.index = index
        self.sender = sender  # 0..9 for the ten senders, else None
        self.tally = tally
        self.origin = origin
        self.session_id = session_id
        self.seen = bytearray(SENDERS * MESSAGES)
        self.last = [-1] * SENDERS
        self.buffer = bytearray()
        self.upgraded = False
        self.inflater: Any = None  # a zlib decompressor once permessage-deflate is agreed
        self.transport: asyncio.Transport | None = None
        self.joined = asyncio.get_running_loop().create_future()

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self.transport = transport
        key = base64.b64encode(os.urandom(16)).decode()
        host, port = transport.get_extra_info("peername")[:2]
        transport.write(
            f"GET /socket.io/?EIO=4&transport=websocket HTTP/1.1\r\nHost: {host}:{port}\r\n"
            "Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\n"
            f"Sec-WebSocket-Key: {key}\r\nOrigin: {self.origin}\r\n"
            "Sec-WebSocket-Extensions: permessage-deflate; client_max_window_bits\r\n\r\n".encode()
        )

    def connection_lost(self, exc: Exception | None) -> None:
        if not self.joined.done():
            self.joined.set_exception(ConnectionError(f"client {self.index}: connection lost"))
        else:
            self.tally.disconnected += 1

    def data_received(self, data: bytes) -> None:
        self.buffer += data
        if not self.upgraded and not self.read_upgrade():
            return
        self.read_frames()

    def read_upgrade(self) -> bool:
        end = self.buffer.find(b"\r\n\r\n")
        if end < 0:
            return False
        head = self.buffer[:end].decode().lower()
        del self.buffer[: end + 4]
        if not head.startswith("http/1.1 101"):
            raise ConnectionError(head.splitlines()[0])
        if "permessage-deflate" in head:
            self.inflater = zlib.decompressobj(-15)
        self.upgraded = True
        return True

    def read_frames(self) -> None:
        buf, pos, end = self.buffer, 0, len(self.buffer)
        while end - pos >= 2:
            first, size = buf[pos], buf[pos + 1] & 0x7F
            start = pos + 2
            if size == 126:
                size, start = int.from_bytes(buf[start : start + 2], "big"), start + 2
            elif size == 127:
                size, start = int.from_bytes(buf[start : start + 8], "big"), start + 8
            if end < start + size:
                break
            payload = bytes(buf[start : start + size])
            pos = start + size
            if first & 0x40 and self.inflater is not None:  # RSV1: a deflated message
                payload = self.inflater.decompress(payload + DEFLATE_TAIL)
            self.on_frame(first & 0x0F, payload)
        del buf[:pos]

    def on_frame(self, opcode: int, payload: bytes) -> None:
        if opcode == 0x1:
            self.on_packet(payload.decode())
        elif opcode == 0x9:  # websocket ping
            self.send(payload.decode(), opcode=0xA)
        elif opcode == 0x8 and self.transport is not None:
            self.transport.close()

    def on_packet(self, packet: str) -> None:
        if packet.startswith(CHAT):
            # The three numbers a client tallies end the text, and no other field holds a "#":
            # read without a JSON parse (~1 µs instead of ~5), for the clients share the
            # machine's two cores with the server they measure.
            end = packet.rfind("#")
            sender, seq, sent_at = packet[packet.rfind("#", 0, end) + 1 : end].split()
            self.on_chat(int(sender), int(seq), float(sent_at))
        elif packet.startswith(ACK):
            self.tally.acks += 1
            self.tally.duplicate_acks += '"duplicate":true' in packet
            self.tally.check()
        elif packet == "2":
            self.send("3")
        elif packet.startswith(ERROR):
            code = ERROR_CODE.search(packet)
            key = code[1] if code else "?"
            self.tally.errors[key] = self.tally.errors.get(key, 0) + 1
        elif packet.startswith("0{"):
            auth = {"session_id": self.session_id, "name": f"client {self.index}"}
            self.send("40/room," + json.dumps(auth))
        elif packet.startswith("40/room,"):
            self.send('42/room,["join",{}]')
        elif packet.startswith(HISTORY) and not self.joined.done():
            self.joined.set_result(None)
        elif packet.startswith("44/room,") and not self.joined.done():
            self.joined.set_exception(ConnectionError(f"client {self.index}: {packet[8:]}"))

    def on_chat(self, sender: int, seq: int, sent_at: float) -> None:
        now = time.time()
        tally = self.tally
        slot = sender * MESSAGES + seq
        if self.seen[slot]:
            tally.duplicates += 1
            return
        self.seen[slot] = 1
        if seq < self.last[sender]:
            tally.out_of_order += 1
        else:
            self.last[sender] = seq
        tally.latencies_us.append(int((now - sent_at) * 1e6))
        tally.delivered += 1
        if tally.delivered == tally.expected:
            tally.check()

    def send(self, text: str, opcode: int = 0x1) -> None:
        if self.transport is not None and not self.transport.is_closing():
            self.transport.write(masked_frame(text, opcode))

    async def send_all(self, start: float) -> None:
        assert self.sender is not None
        first = start + self.sender * PHASE
        for seq in range(MESSAGES):
            await asyncio.sleep(max(0.0, first + seq * INTERVAL - time.time()))
            text = f"{TEXT} #{self.sender} {seq} {time.time():.6f}#"
            body = {"text": text, "client_id": f"bench-{self.sender}-{seq}"}
            self.send(f'42/room,{seq}["chat",{json.dumps(body, separators=(",", ":"))}]')


async def connect_all(clients: list[Client], url: str) -> None:
    parts = urlsplit(url)
    loop = asyncio.get_running_loop()
    gate = asyncio.Semaphore(50)

    async def one(client: Client) -> None:
        async with gate:
            await loop.create_connection(lambda: client, parts.hostname, parts.port)
            await client.joined

    await asyncio.gather(*(one(c) for c in clients))


async def run(args: argparse.Namespace) -> None:
    stride = args.total // SENDERS
    indexes = range(args.first, args.first + args.count)
    tally = Tally(args.count, senders=sum(1 for i in indexes if i % stride == 0))
    clients = [
        Client(i, i // stride if i % stride == 0 else None, tally, args.origin, args.session)
        for i in indexes
    ]
    await connect_all(clients, args.url)
    reply(ready=len(clients))
    command = await asyncio.to_thread(sys.stdin.readline)
    start = float(command.split()[1])
    cpu0 = time.process_time()
    senders = [asyncio.create_task(c.send_all(start)) for c in clients if c.sender is not None]
    try:
        await asyncio.wait_for(tally.complete.wait(), max(start + args.timeout - time.time(), 0.1))
    except TimeoutError:
        pass
    reply(
        deflate=sum(1 for c in clients if c.inflater is not None),
        delivered=tally.delivered,
        duplicates=tally.duplicates,
        out_of_order=tally.out_of_order,
        acks=tally.acks,
        duplicate_acks=tally.duplicate_acks,
        disconnected=tally.disconnected,
        errors=tally.errors,
        latencies_us=tally.latencies_us,
        cpu_s=round(time.process_time() - cpu0, 3),
    )
    await asyncio.to_thread(sys.stdin.readline)
    for task in senders:
        task.cancel()
    await asyncio.gather(*senders, return_exceptions=True)
    for client in clients:
        if client.transport is not None:
            client.transport.close()


def reply(**fields: object) -> None:
    sys.stdout.write(json.dumps(fields) + "\n")
    sys.stdout.flush()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--url", required=True)
    parser.add_argument("--origin", required=True)
    parser.add_argument("--session", required=True, help="the session_id to join")
    parser.add_argument("--total", type=int, required=True)
    parser.add_argument("--first", type=int, required=True)
    parser.add_argument("--count", type=int, required=True)
    parser.add_argument("--timeout", type=float, default=20.0)
    args = parser.parse_args()
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    asyncio.run(run(args))


if __name__ == "__main__":
    main()
