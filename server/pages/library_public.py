"""The public pages of the libraries: /demands and /achievements list the entries listed
publicly (every organization's), with a search box (relevance-ranked) and filters, and each
entry's page. A contact shows to the staff of the entry's organization, to everyone when the
entry's "public contact" switch is on, and (a demand) to the people the enterprise approved
(``contact_shared``): signed in, by their account's e-mail address; in by an invite link (an
investor or enterprise guest), by the e-mail address of an invite to one of the demand's
organization's sessions this browser accepted and that is not revoked — the invite holders
the follow-ups know (``server.followups.invited_party``). Another organization's invites do
not count: their staff could name any address on an invite of their own.
"""

import aiohttp_jinja2
from aiohttp import web

from rooms.listings import shown_contact
from server import libraries
from server.appkeys import STORE
from server.auth import current_account
from server.invitations import accepted_invites
from server.pages.libraries import searched
from server.pages.visibility import is_staff_of


async def public_list(request: web.Request) -> web.Response:
    kind = request.match_info["kind"]
    context = await searched(request, kind, None)
    status = 400 if context["error"] else 200
    return aiohttp_jinja2.render_template(
        "libraries/public_list.html", request, context, status=status
    )


async def public_entry(request: web.Request) -> web.Response:
    kind = request.match_info["kind"]
    shelf = libraries.library(request.app[STORE], kind)
    listing = await shelf.get(request.match_info["listing_id"])
    account = await current_account(request)
    staff = listing is not None and is_staff_of(account, listing.org_id)
    if listing is None or not (listing.public or staff):
        listing = await shelf.public(request.match_info["listing_id"])  # NotFound
    context = {
        "kind": kind,
        "listing": listing,
        "staff": staff,
        "contact": shown_contact(
            listing, staff=staff, viewer=account.email if account else "",
            invited=await _invited_emails(request, listing.org_id) if not staff else (),
        ),
    }  # fmt: skip
    return aiohttp_jinja2.render_template("libraries/public_entry.html", request, context)


async def _invited_emails(request: web.Request, org_id: str) -> set[str]:
    """The e-mail addresses of the invites this browser accepted (not revoked) to the
    sessions of this organization (a web session keeps its latest 20)."""
    store, found = request.app[STORE], set()
    for noted in await accepted_invites(request):
        invite = await store.invites.get(str(noted.get("invite_id", "")))
        if invite is None or invite.revoked or not invite.email:
            continue
        session = await store.agenda.get_session(invite.session_id)
        if session is not None and session.org_id == org_id:
            found.add(invite.email)
    return found


def setup_library_public_pages(app: web.Application) -> None:
    app.router.add_get("/{kind:demand|achievement}s", public_list)
    app.router.add_get("/{kind:demand|achievement}s/{listing_id}", public_entry)
