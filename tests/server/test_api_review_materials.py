"""An item's materials through the REST API: uploaded as multipart (the kind read from the
bytes), listed in order, served with ranges, removed with their files — staff of the
session's organization only, and nothing left behind by a refused upload."""

from pathlib import Path

import pytest
from aiohttp import FormData

from server.files import file_path, files_root
from tests.fixtures_files import make_pdf
from tests.server.fixtures_login import Staff, sign_in_staff
from tests.server.test_api_review import created, new_review

PNG = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4


@pytest.fixture
async def staff(client, store) -> Staff:
    return await sign_in_staff(client, store, email="host@example.org", name="Hu Host")


def upload_of(data: bytes, name: str, field: str = "file") -> FormData:
    form = FormData()
    form.add_field(field, data, filename=name, content_type="application/octet-stream")
    return form


async def an_item(staff: Staff) -> tuple[str, str]:
    review = await new_review(staff)
    item = await created(staff, f"{review}/items", {"title_en": "Chip"})
    return review, f"{review}/items/{item['item_id']}/materials"


def root_of(settings) -> Path:  # type: ignore[no-untyped-def]
    return files_root(settings)


async def test_materials_are_uploaded_listed_and_served(staff, settings) -> None:
    review, materials = await an_item(staff)
    pdf = make_pdf(2)

    first = await staff.call("POST", materials, data=upload_of(pdf, "proposal.pdf"))
    second = await staff.call("POST", materials, data=upload_of(PNG, "photo.bin"))
    listed = await (await staff.call("GET", materials)).json()
    body = await staff.call("GET", f"{review}/materials/{(await first.json())['file_id']}")
    part = await staff.call(
        "GET",
        f"{review}/materials/{(await first.json())['file_id']}",
        headers={"Range": "bytes=0-4"},
    )

    assert (first.status, second.status) == (201, 201)
    assert [(m["name"], m["media_type"], m["size"]) for m in listed] == [
        ("proposal.pdf", "application/pdf", len(pdf)),
        ("photo.bin", "image/png", len(PNG)),
    ]
    assert (body.status, body.content_type, await body.read()) == (200, "application/pdf", pdf)
    assert (part.status, await part.read()) == (206, b"%PDF-")


async def test_a_file_that_is_no_pdf_or_image_is_refused_and_nothing_kept(staff, settings) -> None:
    _, materials = await an_item(staff)

    response = await staff.call(
        "POST",
        materials,
        data=upload_of(b"<html>hello</html>", "x.pdf"),
        headers={"Accept-Language": "zh-CN"},
    )

    assert response.status == 400
    assert (await response.json())["error"]["code"] == "file_type"
    assert await (await staff.call("GET", materials)).json() == []
    assert [p for p in root_of(settings).rglob("*") if p.is_file()] == []


async def test_an_upload_without_a_file_field_is_refused(staff) -> None:
    _, materials = await an_item(staff)

    response = await staff.call("POST", materials, data=upload_of(PNG, "a.png", field="other"))

    assert (response.status, (await response.json())["error"]["code"]) == (400, "missing_file")


async def test_an_upload_to_no_item_stores_nothing(staff, settings) -> None:
    review, _ = await an_item(staff)

    response = await staff.call(
        "POST", f"{review}/items/nope/materials", data=upload_of(PNG, "a.png")
    )

    assert response.status == 404
    assert [p for p in root_of(settings).rglob("*") if p.is_file()] == []


async def test_removing_a_material_deletes_its_file(staff, settings) -> None:
    review, materials = await an_item(staff)
    stored = await (await staff.call("POST", materials, data=upload_of(PNG, "a.png"))).json()

    removed = await staff.call("DELETE", f"{materials}/{stored['file_id']}")
    served = await staff.call("GET", f"{review}/materials/{stored['file_id']}")

    assert (removed.status, served.status) == (204, 404)
    assert not file_path(root_of(settings), stored["file_id"]).exists()


async def test_removing_an_item_deletes_its_materials_files(staff, settings) -> None:
    review, materials = await an_item(staff)
    stored = await (await staff.call("POST", materials, data=upload_of(PNG, "a.png"))).json()

    removed = await staff.call("DELETE", materials.removesuffix("/materials"))

    assert removed.status == 204
    assert not file_path(root_of(settings), stored["file_id"]).exists()


async def test_another_organizations_materials_are_not_found(
    staff, aiohttp_client, client, store
) -> None:
    review, materials = await an_item(staff)
    stored = await (await staff.call("POST", materials, data=upload_of(PNG, "a.png"))).json()
    outsider = await sign_in_staff(
        await aiohttp_client(client.server), store, email="o@example.org"
    )

    answers = [
        (await outsider.call("GET", materials)).status,
        (await outsider.call("POST", materials, data=upload_of(PNG, "b.png"))).status,
        (await outsider.call("GET", f"{review}/materials/{stored['file_id']}")).status,
        (await outsider.call("DELETE", f"{materials}/{stored['file_id']}")).status,
    ]

    assert answers == [404, 404, 404, 404]
    assert len(await (await staff.call("GET", materials)).json()) == 1
