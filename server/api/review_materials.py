"""/api/ review materials: the files of a review item (PDF or images, ≤ 50 MiB each, their
kind sniffed from the bytes), uploaded as multipart/form-data, listed, served with range
requests, and removed. Staff of the session's organization only; the session must be a
review. Reviewers read materials from their own pages (server/pages/my_reviews.py).

An upload streams the request's own body (``request.multipart()``), so it sends its CSRF
token in the ``X-CSRF-Token`` header, not in a form field.
"""

from typing import Any

from aiohttp import BodyPartReader, web

from rooms.agenda import PersonType, person_key
from rooms.files import StoredFile
from server import materials
from server.api.events import base_url, now
from server.api.reviews import own_review
from server.api.routes import ApiRoutes, json_response
from server.api.views import listed, utc_text
from server.appkeys import SETTINGS, STORE
from server.auth import require_account
from server.errors import ApiError
from server.files import file_response, files_root

routes = ApiRoutes()
TAG = "reviews"
MATERIALS = "/api/sessions/{session_id}/items/{item_id}/materials"
FIELD = "file"
_TEXT = {"type": "string"}
MATERIAL = {
    "title": "Material",
    "type": "object",
    "additionalProperties": False,
    "required": ["file_id", "name", "media_type", "size", "sha256", "created_at", "url"],
    "properties": {
        "file_id": _TEXT,
        "name": {**_TEXT, "description": "the uploader's name for it, cleaned"},
        "media_type": {
            "type": "string",
            "enum": ["application/pdf", "image/png", "image/jpeg", "image/webp"],
        },
        "size": {"type": "integer", "minimum": 1},
        "sha256": _TEXT,
        "created_at": {"type": "string", "format": "date-time"},
        "url": {**_TEXT, "format": "uri", "description": "its bytes (?download=1 to download)"},
    },
}


def material_json(stored: StoredFile, *, base_url: str) -> dict[str, Any]:
    return {
        "file_id": stored.file_id,
        "name": stored.name,
        "media_type": str(stored.media_type),
        "size": stored.size,
        "sha256": stored.sha256,
        "created_at": utc_text(stored.created_at),
        "url": f"{base_url}/api/sessions/{stored.scope_id}/materials/{stored.file_id}",
    }


async def file_part(request: web.Request) -> BodyPartReader:
    """The request's multipart field ``file``, to be streamed; 415 or 400 otherwise."""
    if request.content_type != "multipart/form-data":
        raise ApiError(415, "unsupported_media_type", "Send the file as multipart/form-data.")
    try:
        reader = await request.multipart()
        while (part := await reader.next()) is not None:
            if isinstance(part, BodyPartReader) and part.name == FIELD:
                return part
    except (ValueError, KeyError, AssertionError):
        pass
    raise ApiError(
        400,
        "missing_file",
        "Send the file in a multipart/form-data field named {name}.",
        name=FIELD,
    )


@routes.route(
    "GET", MATERIALS, summary="An item's materials, in order", tag=TAG, returns=listed(MATERIAL)
)
async def list_materials(request: web.Request) -> web.Response:
    session = await own_review(request)
    found = await materials.materials_of(
        request.app[STORE], session=session, item_id=request.match_info["item_id"]
    )
    base = base_url(request)
    return json_response([material_json(stored, base_url=base) for stored in found])


@routes.route(
    "POST",
    MATERIALS,
    summary="Upload one of an item's materials: a PDF or an image (PNG, JPEG, WebP) of at most "
    "50 MiB, in a multipart/form-data field named file; its kind is read from its bytes",
    tag=TAG,
    accepts="multipart/form-data",
    responses={"201": "Stored", "400": "Not a PDF or an image, empty, or too large"},
    returns=MATERIAL,
)
async def upload_material(request: web.Request) -> web.Response:
    account = await require_account(request)
    session = await own_review(request)
    stored = await materials.upload_material(
        request.app[STORE],
        files_root(request.app[SETTINGS]),
        await file_part(request),
        session=session,
        item_id=request.match_info["item_id"],
        created_by=person_key(PersonType.ACCOUNT, account.account_id),
        now=now(),
    )
    return json_response(material_json(stored, base_url=base_url(request)), status=201)


@routes.route(
    "DELETE",
    MATERIALS + "/{file_id}",
    summary="Remove one of an item's materials (the file is deleted)",
    tag=TAG,
    responses={"204": "Removed"},
)
async def delete_material(request: web.Request) -> web.Response:
    session = await own_review(request)
    await materials.delete_material(
        request.app[STORE],
        files_root(request.app[SETTINGS]),
        session=session,
        item_id=request.match_info["item_id"],
        file_id=request.match_info["file_id"],
    )
    return web.Response(status=204)


@routes.route(
    "GET",
    "/api/sessions/{session_id}/materials/{file_id}",
    summary="A material's bytes, with range requests (?download=1: as an attachment)",
    tag=TAG,
    responses={"200": "The file (application/pdf or an image type)", "206": "A range of it"},
)
async def get_material(request: web.Request) -> web.StreamResponse:
    session = await own_review(request)

    async def of_session(stored: StoredFile) -> bool:
        return stored.scope_id == session.session_id

    return await file_response(
        request.app[STORE],
        files_root(request.app[SETTINGS]),
        request.match_info["file_id"],
        may_read=of_session,
        attachment=request.query.get("download") == "1",
    )
