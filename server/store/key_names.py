"""Keys written before the hash tags (server/store/keys.py), renamed once at start-up.

The keys took hash tags so that Yunhui runs on a Redis Cluster (``session:<id>:chat``
became ``session:{<id>}:chat``, ``session:<id>`` became ``{agenda}:session:<id>``…). A Redis
written before — the embedded one under DATA_DIR, or a server of one's own — still holds
the old names. ``rename_old_keys`` walks its keys once (SCAN), renames every old name it
recognises to the new one with RENAMENX (a TTL, a stream's consumer groups go along), and
then sets ``keys.KEY_NAMES``, so that later starts skip the walk.

Every process runs it before it serves (web, scheduler, worker): two at once only race to
rename the same key, and the one that finds it gone goes on. A key already present under
its new name is left under its old one and logged (nothing is overwritten). A cluster is
skipped: none was used before the tags.
"""

import logging
import re
from collections.abc import Callable
from dataclasses import dataclass

from redis.exceptions import ResponseError

from server.store import keys
from server.store.cluster import ClusterRedis
from server.store.connection import Redis

log = logging.getLogger(__name__)

BATCH = 500
TAGS = "hash-tags"  # keys.KEY_NAMES once the keys have their tags

# The old names of keys that were renamed: ``<id>`` stood for a part without a colon,
# ``<any>`` for one that may have colons (a person key such as ``account:<id>``, an email,
# an address).
OLD_CONSTANTS = {
    "orgs": keys.ORGS,
    "events:public": keys.PUBLIC_EVENTS,
    "sessions:public": keys.UPCOMING_PUBLIC,
    "schedule:due": keys.SCHEDULE,
    "schedule:reminders": keys.REMINDERS,
    "certificates:serial": keys.CERTIFICATE_SERIAL,
    "jobs": keys.JOBS,
    "signing-records:by-hash": keys.SIGNING_RECORD_HASHES,
    "recording-retention:orgs": keys.RECORDING_RETENTION_ORGS,
    "demands:public": keys.public_listings("demand"),
    "achievements:public": keys.public_listings("achievement"),
}


def _listing(kind: str) -> list[tuple[str, Callable[..., str]]]:
    return [
        (f"{kind}:<id>", lambda i: keys.listing(kind, i)),
        (f"{kind}:<id>:terms", lambda i: keys.listing_terms(kind, i)),
        (f"org:<id>:{kind}s", lambda o: keys.org_listings(o, kind)),
    ]


OLD_TEMPLATES: list[tuple[str, Callable[..., str]]] = [
    ("org:<id>", keys.org),
    ("org:<id>:accounts", keys.org_accounts),
    ("account:<id>", keys.account),
    ("account-email:<any>", keys.account_by_email),
    ("login-failures:<any>", keys.login_failures),
    ("login-familiar:<any>", keys.login_familiar),
    ("event:<id>", keys.event),
    ("org:<id>:events", keys.org_events),
    ("event:<id>:agenda", keys.agenda),
    ("session:<id>", keys.session),
    ("session:<id>:roster", keys.roster),
    ("person:<any>:sessions", keys.person_sessions),
    ("person:<any>:bookings", keys.person_bookings),
    ("person:<any>:feed", keys.person_feed),
    ("feed:<id>", keys.feed_owner),
    ("person:<any>:notifications", keys.notifications),
    ("session:<id>:transitions", keys.transition_log),
    ("invite:<id>", keys.invite),
    ("session:<id>:invites", keys.session_invites),
    ("invite:<id>:spent", keys.invite_spent),
    ("expert:<id>", keys.expert),
    ("org:<id>:experts", keys.org_experts),
    ("org:<id>:experts:discipline:<any>", keys.experts_by_discipline),
    ("org:<id>:experts:affiliation:<any>", keys.experts_by_affiliation),
    ("org:<id>:disciplines", keys.org_disciplines),
    ("reminded:<id>:<id>:<any>", keys.reminded),
    ("org:<id>:expert-email:<any>", keys.expert_email),
    ("org:<id>:affiliations", keys.org_affiliations),
    ("session:<id>:chat", keys.room_chat),
    ("session:<id>:chat-client:<id>:<any>", keys.room_chat_client),
    ("session:<id>:room", keys.room_flags),
    ("session:<id>:hands", keys.room_hands),
    ("session:<id>:admitted", keys.room_admitted),
    ("session:<id>:lobby", keys.room_lobby),
    ("session:<id>:attendance", keys.attendance),
    ("session:<id>:review:items", keys.review_items),
    ("session:<id>:review:order", keys.review_order),
    ("session:<id>:review:rubric", keys.review_rubric),
    ("session:<id>:review:settings", keys.review_settings),
    ("session:<id>:review:notes", keys.review_notes),
    ("session:<id>:review:materials:<any>", keys.review_materials),
    ("session:<id>:review:scores", keys.review_scores),
    ("session:<id>:review:runs", keys.review_runs),
    ("session:<id>:review:audit", keys.review_audit),
    ("session:<id>:questions", keys.questions),
    ("session:<id>:questions:settings", keys.questions_settings),
    ("file:<id>", keys.stored_file),
    ("files-of:<any>", keys.scope_files),
    ("session:<id>:polls:bank", keys.poll_bank),
    ("session:<id>:polls:bank:next", keys.poll_bank_next),
    ("session:<id>:polls", keys.polls),
    ("session:<id>:polls:ballots", keys.poll_ballots),
    ("session:<id>:polls:board", keys.poll_board),
    ("session:<id>:slides", keys.slide_show),
    ("session:<id>:show:log", keys.show_log),
    ("session:<id>:show:buffer", keys.show_buffer),
    ("session:<id>:breakouts", keys.breakouts),
    ("certificates:threshold:<id>:<any>", keys.certificate_threshold),
    ("certificate:<id>", keys.certificate),
    ("certificates:<id>:<any>", keys.certificates_of),
    ("job:<id>", keys.job),
    ("jobs-of:<any>", keys.jobs_of),
    *_listing("demand"),
    *_listing("achievement"),
    ("investor:<id>", keys.investor),
    ("org:<id>:investors", keys.org_investors),
    ("org:<id>:investor-email:<any>", keys.investor_email),
    ("follow-up:<id>", keys.follow_up),
    ("follow-up:<id>:claim", keys.follow_up_claim),
    ("person:<any>:follow-ups", keys.person_follow_ups),
    ("session:<id>:follow-ups", keys.session_follow_ups),
    ("session:<id>:interest", keys.interest),
    ("session:<id>:agreement", keys.agreement),
    ("session:<id>:signing-log", keys.signing_log),
    ("session:<id>:signatures", keys.signatures),
    ("session:<id>:agreement-page", keys.agreement_page),
    ("session:<id>:signed-agreement", keys.signed_agreement),
    ("signing-record:<id>", keys.signing_record),
    ("signing-record:<id>:log", keys.signing_record_log),
    ("recording:<id>", keys.recording),
    ("session:<id>:recordings", keys.session_recordings),
    ("session:<id>:recording-on", keys.session_recording_on),
    ("org:<id>:recording-retention", keys.org_recording_retention),
    ("org:<id>:recording-deletions", keys.org_recording_deletions),
    ("session:<id>:lease", keys.room_lease),
    ("session:<id>:owner", keys.room_owner),
]


@dataclass(frozen=True, slots=True)
class OldName:
    pattern: re.Pattern[str]
    new: Callable[..., str]
    weight: int  # characters of the template outside its parts: the most specific wins


def _compile(template: str, new: Callable[..., str]) -> OldName:
    parts = re.split(r"(<id>|<any>)", template)
    regex = "".join(
        "([^:{}]+)" if p == "<id>" else "(.+)" if p == "<any>" else re.escape(p) for p in parts
    )
    weight = sum(len(p) for p in parts if p not in ("<id>", "<any>"))
    return OldName(re.compile(regex), new, weight)


OLD_NAMES = sorted(
    (_compile(template, new) for template, new in OLD_TEMPLATES), key=lambda o: -o.weight
)


def new_name(old: str) -> str | None:
    """The name a key written before the hash tags has now; None if it kept its name (or is
    not Yunhui's)."""
    if "{" in old:  # already tagged
        return None
    if old in OLD_CONSTANTS:
        return OLD_CONSTANTS[old]
    for name in OLD_NAMES:
        found = name.pattern.fullmatch(old)
        if found:
            renamed = name.new(*found.groups())
            return None if renamed == old else renamed
    return None


async def rename_old_keys(redis: Redis) -> int:
    """Rename the keys that have old names (once per Redis); how many were renamed."""
    if isinstance(redis, ClusterRedis) or await redis.get(keys.KEY_NAMES) == TAGS:
        return 0
    renamed = 0
    batch: list[tuple[str, str]] = []
    async for old in redis.scan_iter(count=BATCH):
        new = new_name(old)
        if new is not None:
            batch.append((old, new))
        if len(batch) >= BATCH:
            renamed += await _rename(redis, batch)
            batch = []
    renamed += await _rename(redis, batch)
    await redis.set(keys.KEY_NAMES, TAGS)
    if renamed:
        log.info("renamed %d keys to their hash-tagged names (Redis Cluster ready)", renamed)
    return renamed


async def _rename(redis: Redis, batch: list[tuple[str, str]]) -> int:
    if not batch:
        return 0
    async with redis.pipeline(transaction=False) as pipe:
        for old, new in batch:
            pipe.renamenx(old, new)
        replies = await pipe.execute(raise_on_error=False)
    done = 0
    for (old, new), reply in zip(batch, replies, strict=True):
        if isinstance(reply, ResponseError):
            if "no such key" not in str(reply).lower():  # else another process renamed it
                log.warning("key %s left under its old name: %s", old, reply)
            continue
        if reply:
            done += 1
        else:
            log.warning("key %s left under its old name: %s exists already", old, new)
    return done
