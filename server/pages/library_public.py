"""The public pages of the libraries: /demands and /achievements list the entries listed
publicly (every organization's), with a search box (relevance-ranked) and filters, and each
entry's page. A contact shows to the staff of the entry's organization, to everyone when the
entry's "public contact" switch is on, and (a demand) to the signed-in people the enterprise
approved (their account's e-mail address among the demand's ``contact_shared``).
"""

import aiohttp_jinja2
from aiohttp import web

from rooms.listings import shown_contact
from server import libraries
from server.appkeys import STORE
from server.auth import current_account
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
        "contact": shown_contact(listing, staff=staff, viewer=account.email if account else ""),
    }
    return aiohttp_jinja2.render_template("libraries/public_entry.html", request, context)


def setup_library_public_pages(app: web.Application) -> None:
    app.router.add_get("/{kind:demand|achievement}s", public_list)
    app.router.add_get("/{kind:demand|achievement}s/{listing_id}", public_entry)
