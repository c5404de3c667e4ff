"""The store: the only package that talks to Redis. One class per kind of record."""

from server.store import keys
from server.store.accounts import Accounts
from server.store.agenda import Agenda
from server.store.attendance import Attendance
from server.store.breakouts import BreakoutRecords
from server.store.certificates import Certificates
from server.store.chat import Chat
from server.store.connection import (
    EmbeddedRedis,
    Pipeline,
    Redis,
    StoreError,
    connect,
    describe,
)
from server.store.durable import Durability, Durable, NotDurable
from server.store.edges import Edges
from server.store.experts import Experts
from server.store.files import FileRecords
from server.store.followups import FollowUps
from server.store.interest import InterestRecords
from server.store.investors import Investors
from server.store.invites import Invites
from server.store.jobs import Jobs
from server.store.key_names import rename_old_keys
from server.store.listings import Listings
from server.store.notifications import Notifications
from server.store.owners import Owners
from server.store.panel import Panels
from server.store.polls import Polls
from server.store.questions import QuestionRecords
from server.store.recording_library import RecordingLibrary
from server.store.recordings import Recordings
from server.store.review import Reviews
from server.store.room_people import RoomPeople
from server.store.rooms import Rooms
from server.store.schedule import Schedule
from server.store.show import Shows
from server.store.signing import Signings
from server.store.signing_records import SigningRecords
from server.store.slides import SlideShows
from server.store.websessions import WebSessions


class Store:
    """All of Yunhui's records, reached through one Redis client."""

    def __init__(self, redis: Redis) -> None:
        self.redis = redis
        self.durable = Durable(redis)  # commits acknowledged only once on disk
        self.accounts = Accounts(redis)
        self.agenda = Agenda(redis)
        self.schedule = Schedule(redis)
        self.experts = Experts(redis)
        self.demands = Listings(redis, "demand")
        self.achievements = Listings(redis, "achievement")
        self.investors = Investors(redis)
        self.follow_ups = FollowUps(redis)
        self.invites = Invites(redis)
        self.notifications = Notifications(redis)
        self.web_sessions = WebSessions(redis)
        self.chat = Chat(redis)
        self.attendance = Attendance(redis)
        self.certificates = Certificates(redis)
        self.jobs = Jobs(redis)
        self.rooms = Rooms(redis)
        self.room_people = RoomPeople(redis)  # hands, admissions, the lobby's places
        self.panel = Panels(redis)
        self.questions = QuestionRecords(redis)
        self.interest = InterestRecords(redis)
        self.polls = Polls(redis)
        self.files = FileRecords(redis)
        self.review = Reviews(redis)
        self.slides = SlideShows(redis)
        self.shows = Shows(redis, self.review)
        self.breakouts = BreakoutRecords(redis)
        self.signings = Signings(redis, self.durable)
        self.signing_records = SigningRecords(redis)
        self.recordings = Recordings(redis)
        self.recording_library = RecordingLibrary(redis)
        self.owners = Owners(redis)  # which process owns each live room
        self.edges = Edges(redis)  # edges' heartbeats, calls to them, relay link keys

    def queue_kept(self, pipe: Pipeline, session_id: str, record: object) -> None:
        """Queue a live room's workflow record (``rooms.outbox.Keep``) where its kind is
        kept: the room's slides, polls, questions, breakout groups, interest in
        pitches, a signing's stage page, its hands and lobby, or a review's panel."""
        keepers = (
            self.slides, self.polls, self.questions, self.breakouts, self.interest, self.signings,
            self.room_people,
        )  # fmt: skip
        keeper = next((k for k in keepers if isinstance(record, k.records)), None)
        (keeper or self.panel).queue(pipe, session_id, record)

    async def ping(self) -> bool:
        return bool(await self.redis.ping())

    async def is_seeded(self) -> bool:
        return bool(await self.redis.exists(keys.SEEDED))

    async def mark_seeded(self) -> None:
        await self.redis.set(keys.SEEDED, "1")

    async def close(self) -> None:
        await self.redis.aclose()


__all__ = [
    "Durability",
    "EmbeddedRedis",
    "NotDurable",
    "Store",
    "StoreError",
    "connect",
    "describe",
    "rename_old_keys",
]
