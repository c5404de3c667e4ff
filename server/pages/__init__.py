"""Server-rendered pages: the public pages (home, event, session), the host console
(events, sessions, rosters, invites; the expert pool's pages come from server.pages.experts),
the login pages (server.pages.login), the room page, a review's results
(server.pages.results), and what secret links open: invite landing pages and calendar feeds.

``setup_pages`` mounts them and gives the templates what they use to show agendas:
the labels of kinds, roles, states and visibilities, and the time formatting of
``server.pages.timetable``.
"""

import aiohttp_jinja2
from aiohttp import web

from rooms.files import TYPE_NAMES
from rooms.roles import Kind, lobby_skippers, roles_for
from server.pages import labels, timetable
from server.pages.certificates import setup_certificate_pages
from server.pages.console import setup_console_pages
from server.pages.console_attendance import setup_console_attendance
from server.pages.console_recording_library import setup_recording_library_console
from server.pages.console_recordings import setup_console_recordings
from server.pages.console_sessions import setup_session_console
from server.pages.console_signing import setup_signing_console
from server.pages.experts import setup_expert_pages
from server.pages.feeds import setup_feeds
from server.pages.followups import setup_follow_up_pages
from server.pages.investors import setup_investor_pages
from server.pages.invites import setup_invite_pages
from server.pages.libraries import setup_library_pages
from server.pages.library_public import setup_library_public_pages
from server.pages.login import setup_login_pages
from server.pages.my_reviews import setup_my_reviews
from server.pages.public import setup_public_pages
from server.pages.recordings import setup_recording_pages
from server.pages.results import setup_result_pages
from server.pages.room import setup_room_pages
from server.pages.verify import setup_verify_pages


def _template_globals(app: web.Application) -> None:
    aiohttp_jinja2.get_env(app).globals.update(
        kinds=labels.KINDS,
        roles=labels.ROLES,
        states=labels.STATES,
        visibilities=labels.VISIBILITIES,
        invite_statuses=labels.INVITE_STATUSES,
        follow_up_states=labels.FOLLOW_UP_STATES,
        common_zones=labels.COMMON_ZONES,
        all_kinds=tuple(Kind),
        roles_for=roles_for,
        lobby_skippers=lambda kind: lobby_skippers(Kind(kind)),
        span_of=timetable.span_of,
        day_label=timetable.day_label,
        date_range=timetable.date_range,
        instant_label=timetable.instant_label,
        utc_iso=timetable.utc_iso,
        opens_at=timetable.opens_at,
        event_title=timetable.event_title,
        file_kinds=TYPE_NAMES,
        size_label=labels.size_label,
    )


def setup_pages(app: web.Application) -> None:
    _template_globals(app)
    setup_login_pages(app)
    setup_public_pages(app)
    setup_console_pages(app)
    setup_follow_up_pages(app)
    setup_session_console(app)
    setup_signing_console(app)
    setup_console_attendance(app)
    setup_console_recordings(app)
    setup_certificate_pages(app)
    setup_expert_pages(app)
    setup_library_pages(app)
    setup_investor_pages(app)
    setup_library_public_pages(app)
    setup_room_pages(app)
    setup_result_pages(app)
    setup_invite_pages(app)
    setup_my_reviews(app)
    setup_feeds(app)
    setup_verify_pages(app)
    setup_recording_library_console(app)
    setup_recording_pages(app)
