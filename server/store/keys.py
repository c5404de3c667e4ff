"""Every Redis key name Yunhui uses, in one place.

Entities are JSON strings under their own key; indexes are sets and sorted sets (score =
a UTC POSIX timestamp). Person keys look like ``account:<id>``, ``expert:<id>``,
``guest:<email>`` (see rooms.agenda.person_key).

**Hash tags** (Redis Cluster, ARCHITECTURE.md "Redis Cluster"): every key that a script or
a MULTI touches together with another has the same ``{tag}``, so they share a slot:

- a live room's keys, ``session:{<id>}:…`` (chat, flags, attendance, review, polls, Q&A,
  slides, breakouts, interest, signing, lease and owner; in room_keys.py): the room's
  batched MULTI, the chat scripts, the scores, the lease scripts;
- a person's notifications and reminder marks, ``person:{<key>}:…``;
- one tag per directory whose records are written with their indexes and whose record
  key does not name its owner: ``{agenda}`` (events, sessions, rosters, bookings, the
  scheduler's indexes: the booking and rewrite scripts check and write them in one step),
  ``{accounts}``, ``{login}``, ``{feeds}``, ``{invites}``, ``{experts}``, ``{investors}``,
  ``{demands}``/``{achievements}``, ``{follow-ups}``, ``{files}``, ``{certificates}``,
  ``{jobs}``, ``{signing-records}``, ``{recordings}``;
- keys only ever used alone have none.

A live room's keys are written in server/store/room_keys.py and reached here, as every other
key name is. tests/server/store/test_key_slots.py checks the tags; server/store/key_names.py
renames the keys of a Redis written before the tags.
"""

# a live room's keys, session:{<id>}:… (room_keys.py holds those key functions and nothing else)
from server.store.room_keys import *  # noqa: F403

# organizations and staff accounts
ORGS = "{accounts}:orgs"  # set of org ids


def org(org_id: str) -> str:
    return f"{{accounts}}:org:{org_id}"


def org_accounts(org_id: str) -> str:
    return f"{{accounts}}:org:{org_id}:accounts"  # set of account ids


def account(account_id: str) -> str:
    return f"{{accounts}}:account:{account_id}"


def account_by_email(email: str) -> str:
    return f"{{accounts}}:account-email:{email.lower()}"  # -> account id


def login_failures(subject: str) -> str:
    """A sign-in counter with a TTL; subject: an email, ``<email>|<address>``, ``ip:<address>``."""
    return f"{{login}}:login-failures:{subject.lower()}"


def login_familiar(email: str) -> str:
    # zset: address -> time of its last good sign-in
    return f"{{login}}:login-familiar:{email.lower()}"


def web_session(session_key: str) -> str:
    return f"web-session:{session_key}"  # aiohttp-session data, with a TTL


# events and sessions
def event(event_id: str) -> str:
    return f"{{agenda}}:event:{event_id}"


def org_events(org_id: str) -> str:
    return f"{{agenda}}:org:{org_id}:events"  # zset event_id by start date


PUBLIC_EVENTS = "{agenda}:events:public"  # zset event_id by start date


def agenda(event_id: str) -> str:
    return f"{{agenda}}:event:{event_id}:agenda"  # zset session_id by start


def session(session_id: str) -> str:
    return f"{{agenda}}:session:{session_id}"


def roster(session_id: str) -> str:
    return f"{{agenda}}:session:{session_id}:roster"  # hash person_key -> RosterEntry JSON


UPCOMING_PUBLIC = "{agenda}:sessions:public"  # zset session_id by start, public events only


def person_sessions(person_key: str) -> str:
    return f"{{agenda}}:person:{person_key}:sessions"  # zset session_id by start ("my sessions")


def person_bookings(person_key: str) -> str:
    return f"{{agenda}}:person:{person_key}:bookings"  # zset "<end_ts>|<session_id>" by start


def person_feed(person_key: str) -> str:
    return f"{{feeds}}:person:{person_key}:feed"  # secret token for the personal ICS feed


def feed_owner(token: str) -> str:
    return f"{{feeds}}:feed:{token}"  # -> person_key


# scheduling
SCHEDULE = "{agenda}:schedule:due"  # zset session_id by the time its state must next change
REMINDERS = "{agenda}:schedule:reminders"  # zset session_id by session start


def notifications(person_key: str) -> str:
    return f"person:{{{person_key}}}:notifications"  # list of notification JSON, newest first


def transition_log(session_id: str) -> str:
    return f"{{agenda}}:session:{session_id}:transitions"  # stream of state changes


# invites
def invite(invite_id: str) -> str:
    # hash: session, role, name, email, single_use, revoked
    return f"{{invites}}:invite:{invite_id}"


def session_invites(session_id: str) -> str:
    return f"{{invites}}:session:{session_id}:invites"  # zset invite_id by creation


def invite_spent(invite_id: str) -> str:
    return f"{{invites}}:invite:{invite_id}:spent"


# expert pool
def expert(expert_id: str) -> str:
    return f"{{experts}}:expert:{expert_id}"


def org_experts(org_id: str) -> str:
    return f"{{experts}}:org:{org_id}:experts"  # set of expert ids


def experts_by_discipline(org_id: str, discipline: str) -> str:
    return f"{{experts}}:org:{org_id}:experts:discipline:{discipline.lower()}"


def experts_by_affiliation(org_id: str, affiliation: str) -> str:
    return f"{{experts}}:org:{org_id}:experts:affiliation:{affiliation.lower()}"


def org_disciplines(org_id: str) -> str:
    return f"{{experts}}:org:{org_id}:disciplines"  # zset discipline -> number of experts


# demo data
SEEDED = "seed:demo"


def reminded(session_id: str, start_score: str, person_key: str) -> str:
    # reminder sent, with a TTL
    return f"person:{{{person_key}}}:reminded:{session_id}:{start_score}"


# expert pool (appended by the experts helper)
def expert_email(org_id: str, email: str) -> str:
    # -> expert id; one per email and org
    return f"{{experts}}:org:{org_id}:expert-email:{email.lower()}"


def org_affiliations(org_id: str) -> str:
    # zset affiliation as written -> number of experts
    return f"{{experts}}:org:{org_id}:affiliations"


# the live rooms a process holds (server/store/rooms.py)
def rooms_held(process: str) -> str:
    return f"process:{process}:rooms"  # hash session_id -> the last heartbeat (POSIX seconds)


# an organization's rubric templates for review panels
def rubric_templates(org_id: str) -> str:
    return f"org:{org_id}:rubric-templates"  # hash template name -> Rubric JSON


# uploaded files (materials, slides, agreements): the bytes are under DATA_DIR/files
def stored_file(file_id: str) -> str:
    return f"{{files}}:file:{file_id}"  # StoredFile JSON


def scope_files(scope_id: str) -> str:
    return f"{{files}}:files-of:{scope_id}"  # zset file_id by upload time (what a session… holds)


# roadshows whose run of show is due (rooms.run_of_show; a show's own keys: room_keys.py)
SHOWS_DUE = "shows:due"  # zset: roadshow session id -> when its run of show next changes
SHOWS_CHANNEL = "shows:changed"  # pub/sub: a roadshow session id whose show changed


# attendance certificates (rooms.certificates)
def certificate_threshold(scope: str, scope_id: str) -> str:
    # whole minutes of active time
    return f"{{certificates}}:certificates:threshold:{scope}:{scope_id}"


def certificate(certificate_id: str) -> str:
    return f"{{certificates}}:certificate:{certificate_id}"  # hash: json (Certificate), serial


def certificates_of(scope: str, scope_id: str) -> str:
    return f"{{certificates}}:certificates:{scope}:{scope_id}"  # hash person key -> certificate id


CERTIFICATE_SERIAL = "{certificates}:certificates:serial"  # the last certificate's serial number


# jobs for the worker process (rooms.jobs)
JOBS = "{jobs}:jobs"  # stream of job ids; consumer group JOBS_GROUP
JOBS_GROUP = "workers"


def job(job_id: str) -> str:
    return f"{{jobs}}:job:{job_id}"  # hash: job (Job JSON), state, done, total, error, attempts


def jobs_of(owner_id: str) -> str:
    return f"{{jobs}}:jobs-of:{owner_id}"  # zset job id by creation time


# the demand and achievement libraries; kind is "demand" or "achievement"
def listing(kind: str, listing_id: str) -> str:
    return f"{{{kind}s}}:{kind}:{listing_id}"  # the entry's JSON


def listing_terms(kind: str, listing_id: str) -> str:
    return f"{{{kind}s}}:{kind}:{listing_id}:terms"  # JSON [title terms, body terms], for search


def org_listings(org_id: str, kind: str) -> str:
    return f"{{{kind}s}}:org:{org_id}:{kind}s"  # set of the organization's entries


def public_listings(kind: str) -> str:
    # set of the entries shown on the public pages, every org's
    return f"{{{kind}s}}:{kind}s:public"


# the investor directory
def investor(investor_id: str) -> str:
    return f"{{investors}}:investor:{investor_id}"


def org_investors(org_id: str) -> str:
    return f"{{investors}}:org:{org_id}:investors"  # set of investor ids


def investor_email(org_id: str, email: str) -> str:
    # -> investor id; one per email and org
    return f"{{investors}}:org:{org_id}:investor-email:{email.lower()}"


# follow-up requests (rooms.followups) and the rate of investors' marks of interest
def follow_up(follow_up_id: str) -> str:
    return f"{{follow-ups}}:follow-up:{follow_up_id}"  # the request's JSON


def follow_up_claim(follow_up_id: str) -> str:
    # SET NX by the one answering it now (TTL)
    return f"{{follow-ups}}:follow-up:{follow_up_id}:claim"


def person_follow_ups(person_key: str) -> str:
    # zset of request ids (sent or received) by time
    return f"{{follow-ups}}:person:{person_key}:follow-ups"


def session_follow_ups(session_id: str) -> str:
    # zset of the roadshow's request ids by time
    return f"{{follow-ups}}:session:{session_id}:follow-ups"


def follow_ups_event(owner: str, owner_id: str) -> str:
    """The id of the unlisted follow-ups event of an event or an organization."""
    return f"{owner}:{owner_id}:follow-ups-event"


def interest_rate(person_key: str) -> str:
    return f"person:{person_key}:interest-rate"  # marks through the API this minute (TTL)


# signing records (rooms.signing_record): what a signing ceremony left, found by hash
def signing_record(agreement_id: str) -> str:
    # the record's JSON, its log left out
    return f"{{signing-records}}:signing-record:{agreement_id}"


def signing_record_log(agreement_id: str) -> str:
    # list of its log entries' JSON, in order
    return f"{{signing-records}}:signing-record:{agreement_id}:log"


SIGNING_RECORD_HASHES = "{signing-records}:signing-records:by-hash"  # hash SHA-256 -> agreement id


def verify_checks(address: str) -> str:
    return f"verify-checks:{address}"  # the public verification page's checks, TTL a minute


# recordings (server/recorder.py)


def recording(recording_id: str) -> str:
    return f"{{recordings}}:recording:{recording_id}"  # Recording JSON


def session_recordings(session_id: str) -> str:
    return f"{{recordings}}:session:{session_id}:recordings"  # zset: recording id -> start time


def session_recording_on(session_id: str) -> str:
    # the id of the recording going on, if any
    return f"{{recordings}}:session:{session_id}:recording-on"


# the recordings library (server/recording_library.py)


def org_recording_retention(org_id: str) -> str:
    # days an organization keeps its recordings
    return f"{{recordings}}:org:{org_id}:recording-retention"


# set: orgs with a retention policy
RECORDING_RETENTION_ORGS = "{recordings}:recording-retention:orgs"
RECORDING_SWEEP = "recording-retention:swept"  # claimed by the scheduler that sweeps now


def org_recording_deletions(org_id: str) -> str:
    # list of Deletion JSON, newest first, capped
    return f"{{recordings}}:org:{org_id}:recording-deletions"


def recording_urls(address: str) -> str:
    return f"recording-urls:{address}"  # fresh player URLs asked from an address, TTL a minute


# room ownership across web processes (server/store/owners.py; the lease: room_keys.py)
def room_fence_copy(directory: str, session_id: str) -> str:
    # a directory's copy of the room's fencing token (server/store/owners.py, Fence.into)
    return f"{{{directory}}}:session:{session_id}:fence"


# the keys' names (server/store/key_names.py)
KEY_NAMES = "key-names"  # "hash-tags" once the keys written before the tags are renamed


# edges: processes serving other owners' viewers (server/edges.py, server/audiences.py)
EDGES = "edges"  # set: names of the processes that announced themselves as edges


def edge(name: str) -> str:
    return f"edge:{name}"  # JSON {relay_host, load}, with a TTL: the edge's heartbeat


def edge_calls(name: str) -> str:
    return f"edge:{name}:calls"  # pub/sub: owners' calls to an edge, JSON


def process_news(name: str) -> str:
    return f"process:{name}:news"  # pub/sub: edges' news for a room's owner, JSON


def relay_link(link_id: str) -> str:
    return f"relay-link:{link_id}"  # a relay link's SRTP keys (hex), read once, with a TTL


def call_reply(call_id: str) -> str:
    return f"call-reply:{call_id}"  # list: the reply to one call to an edge, briefly
