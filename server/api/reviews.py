"""/api/ reviews: preparing a review session — its items and their order, its rubric, the
organization's rubric templates, the review settings.

Staff of the session's organization only (another organization's session is "not found");
the session must be a review. Every change goes through the review service
(server/reviews.py); a refused one writes nothing.
"""

from aiohttp import web

from rooms.agenda import Session
from rooms.errors import NotFound
from rooms.rubric import new_rubric
from server import materials, reviews
from server.api.events import now
from server.api.review_views import (
    ITEM,
    ITEM_CHANGES,
    NEW_ITEM,
    ORDER,
    REVIEW_SETTINGS,
    RUBRIC,
    RUBRIC_BODY,
    SETTINGS_BODY,
    TEMPLATE,
    item_json,
    items_json,
    rubric_json,
    settings_json,
    template_json,
)
from server.api.routes import ApiRoutes, json_response, read_body
from server.api.sessions import own_session
from server.api.views import listed
from server.appkeys import SETTINGS, STORE
from server.auth import require_account
from server.files import files_root

routes = ApiRoutes()
TAG = "reviews"
ITEMS = "/api/sessions/{session_id}/items"
ONE_ITEM = ITEMS + "/{item_id}"
TEMPLATES = "/api/rubric-templates"


async def own_review(request: web.Request) -> Session:
    """The review session named in the path, if it is the signed-in staff's organization's."""
    session = await own_session(request)
    reviews.check_review(session)
    return session


async def _item_response(request: web.Request, session: Session, item_id: str) -> web.Response:
    order = await request.app[STORE].review.order(session.session_id)
    item = await request.app[STORE].review.item(session.session_id, item_id)
    if item is None or item_id not in order:
        raise reviews.no_item(item_id)
    return json_response(item_json(item, order.index(item_id) + 1))


@routes.route("GET", ITEMS, summary="A review's items, in order", tag=TAG, returns=listed(ITEM))
async def list_items(request: web.Request) -> web.Response:
    session = await own_review(request)
    return json_response(items_json(await request.app[STORE].review.items(session.session_id)))


@routes.route(
    "POST",
    ITEMS,
    summary="Add an item at the end of a review (a title in Chinese or English is required)",
    tag=TAG,
    body=NEW_ITEM,
    responses={"201": "Created"},
    returns=ITEM,
)
async def create_item(request: web.Request) -> web.Response:
    session = await own_review(request)
    fields = await read_body(request, NEW_ITEM)
    item = await reviews.add_item(request.app[STORE], session=session, fields=fields, now=now())
    response = await _item_response(request, session, item.item_id)
    response.set_status(201)
    return response


@routes.route("GET", ONE_ITEM, summary="One item of a review", tag=TAG, returns=ITEM)
async def get_item(request: web.Request) -> web.Response:
    session = await own_review(request)
    return await _item_response(request, session, request.match_info["item_id"])


@routes.route(
    "PATCH",
    ONE_ITEM,
    summary="Change some of an item's fields",
    tag=TAG,
    body=ITEM_CHANGES,
    returns=ITEM,
)
async def update_item(request: web.Request) -> web.Response:
    session, item_id = await own_review(request), request.match_info["item_id"]
    fields = await read_body(request, ITEM_CHANGES)
    await reviews.edit_item(
        request.app[STORE], session=session, item_id=item_id, fields=fields, now=now()
    )
    return await _item_response(request, session, item_id)


@routes.route(
    "DELETE",
    ONE_ITEM,
    summary="Remove an item and its materials (refused once it has scores)",
    tag=TAG,
    responses={"204": "Removed", "409": "item_scored: the item has scores"},
)
async def delete_item(request: web.Request) -> web.Response:
    session = await own_review(request)
    item_id = request.match_info["item_id"]
    root = files_root(request.app[SETTINGS])
    await materials.delete_item(request.app[STORE], root, session=session, item_id=item_id)
    return web.Response(status=204)


@routes.route(
    "PUT",
    "/api/sessions/{session_id}/item-order",
    summary="Put a review's items in a new order, naming every item once; refused (409 "
    "items_changed) when the items changed meanwhile",
    tag=TAG,
    body=ORDER,
    responses={"200": "The items in their new order", "409": "items_changed: reload"},
    returns=listed(ITEM),
)
async def reorder_items(request: web.Request) -> web.Response:
    session = await own_review(request)
    fields = await read_body(request, ORDER)
    items = await reviews.reorder(request.app[STORE], session=session, item_ids=fields["item_ids"])
    return json_response(items_json(items))


# rubric -----------------------------------------------------------------------------------


async def _rubric_response(request: web.Request, session: Session) -> web.Response:
    store = request.app[STORE]
    rubric = await store.review.rubric(session.session_id)
    if rubric is None:
        raise NotFound("This review has no rubric yet.", code="no_rubric")
    frozen = await store.review.is_frozen(session.session_id)
    return json_response(rubric_json(rubric, frozen=frozen))


@routes.route(
    "GET",
    "/api/sessions/{session_id}/rubric",
    summary="A review's rubric (404 no_rubric until one is set)",
    tag=TAG,
    returns=RUBRIC,
)
async def get_rubric(request: web.Request) -> web.Response:
    return await _rubric_response(request, await own_review(request))


@routes.route(
    "PUT",
    "/api/sessions/{session_id}/rubric",
    summary="Set a review's rubric: criteria (zh/en name, weight, scale, anchors), "
    "recommendations, whether a comment is required. Refused (409 rubric_frozen) once any "
    "item has a score",
    tag=TAG,
    body=RUBRIC_BODY,
    responses={"200": "OK", "409": "rubric_frozen: an item has scores"},
    returns=RUBRIC,
)
async def put_rubric(request: web.Request) -> web.Response:
    session = await own_review(request)
    fields = await read_body(request, RUBRIC_BODY)
    await reviews.set_rubric(request.app[STORE], session=session, fields=fields)
    return await _rubric_response(request, session)


@routes.route(
    "GET",
    TEMPLATES,
    summary="My organization's rubric templates, by name",
    tag=TAG,
    returns=listed(TEMPLATE),
)
async def list_templates(request: web.Request) -> web.Response:
    account = await require_account(request)
    templates = await request.app[STORE].review.templates(account.org_id)
    return json_response([template_json(name, rubric) for name, rubric in templates.items()])


@routes.route(
    "GET", TEMPLATES + "/{template_name}", summary="One rubric template", tag=TAG, returns=TEMPLATE
)
async def get_template(request: web.Request) -> web.Response:
    account = await require_account(request)
    name = request.match_info["template_name"]
    rubric = await reviews.rubric_template(request.app[STORE], org_id=account.org_id, name=name)
    return json_response(template_json(name, rubric))


@routes.route(
    "PUT",
    TEMPLATES + "/{template_name}",
    summary="Save a rubric as my organization's template of that name (replacing one)",
    tag=TAG,
    body=RUBRIC_BODY,
    returns=TEMPLATE,
)
async def put_template(request: web.Request) -> web.Response:
    account = await require_account(request)
    fields = await read_body(request, RUBRIC_BODY)
    rubric = new_rubric(fields)
    name = await reviews.save_template(
        request.app[STORE],
        org_id=account.org_id,
        name=request.match_info["template_name"],
        rubric=rubric,
    )
    return json_response(template_json(name, rubric))


@routes.route(
    "DELETE",
    TEMPLATES + "/{template_name}",
    summary="Delete a rubric template (reviews that used it keep their rubric)",
    tag=TAG,
    responses={"204": "Deleted"},
)
async def delete_template(request: web.Request) -> web.Response:
    account = await require_account(request)
    name = request.match_info["template_name"]
    if not await request.app[STORE].review.delete_template(account.org_id, name):
        raise NotFound("No rubric template named {name}.", code="unknown_template", name=name)
    return web.Response(status=204)


# settings ---------------------------------------------------------------------------------


@routes.route(
    "GET",
    "/api/sessions/{session_id}/review-settings",
    summary="A review's settings: blind, double blind, downloads",
    tag=TAG,
    returns=REVIEW_SETTINGS,
)
async def get_settings(request: web.Request) -> web.Response:
    session = await own_review(request)
    return json_response(
        settings_json(await request.app[STORE].review.settings(session.session_id))
    )


@routes.route(
    "PUT",
    "/api/sessions/{session_id}/review-settings",
    summary="Set a review's settings (a flag left out is off; double blind is blind too)",
    tag=TAG,
    body=SETTINGS_BODY,
    returns=REVIEW_SETTINGS,
)
async def put_settings(request: web.Request) -> web.Response:
    session = await own_review(request)
    fields = await read_body(request, SETTINGS_BODY)
    settings = await reviews.set_settings(request.app[STORE], session=session, fields=fields)
    return json_response(settings_json(settings))
