"""The REST API of attendance and certificate thresholds: an event's attendance per person
(each session's time present and active, the certificates earned), one session's rows, and
thresholds set, cleared and refused — staff of the event's organization only."""

import pytest

from rooms.certificates import Scope
from server.worker import Worker
from tests.server.fixtures_login import Staff, sign_in_staff
from tests.server.pages_world import make_event, make_session
from tests.server.test_certificates import HAN, LI, beats


@pytest.fixture
async def staff(client, store) -> Staff:
    return await sign_in_staff(client, store, email="teacher@example.org", name="Teacher")


@pytest.fixture
async def lesson(store, staff):  # type: ignore[no-untyped-def]
    event = await make_event(store, staff.account)
    session = await make_session(
        store, event, title="Lesson", start="2030-05-01T09:00", end="2030-05-01T10:00"
    )
    await store.attendance.record(
        session.session_id,
        beats(LI, "Li Lei", minutes=50, active=45) + beats(HAN, "Han Mei", minutes=50, active=5),
    )
    return event, session


async def test_an_events_attendance_per_person_with_the_certificates_earned(staff, lesson) -> None:
    event, session = lesson
    put = await staff.call(
        "PUT", f"/api/sessions/{session.session_id}/certificate-threshold", json={"minutes": 40}
    )

    answer = await (await staff.call("GET", f"/api/events/{event.event_id}/attendance")).json()

    assert (put.status, await put.json()) == (200, {"threshold_minutes": 40})
    assert answer == {
        "event_id": event.event_id,
        "threshold_minutes": None,
        "sessions": [
            {"session_id": session.session_id, "title": "Lesson", "threshold_minutes": 40}
        ],
        "people": [
            {
                "person_key": LI, "name": "Li Lei", "seconds": 3000, "active_seconds": 2700,
                "sessions": [
                    {"session_id": session.session_id, "seconds": 3000, "active_seconds": 2700}
                ],
                "certificates": [{"scope": "session", "scope_id": session.session_id}],
            },
            {
                "person_key": HAN, "name": "Han Mei", "seconds": 3000, "active_seconds": 300,
                "sessions": [
                    {"session_id": session.session_id, "seconds": 3000, "active_seconds": 300}
                ],
                "certificates": [],
            },
        ],
    }  # fmt: skip


async def test_a_sessions_attendance_rows(staff, lesson) -> None:
    _event, session = lesson

    rows = await (await staff.call("GET", f"/api/sessions/{session.session_id}/attendance")).json()

    assert [(r["name"], r["seconds"], r["active_seconds"]) for r in rows] == [
        ("Li Lei", 3000, 2700), ("Han Mei", 3000, 300),
    ]  # fmt: skip


async def test_thresholds_are_checked_and_zero_clears_one(staff, store, lesson) -> None:
    event, _session = lesson
    path = f"/api/events/{event.event_id}/certificate-threshold"

    too_big = await staff.call("PUT", path, json={"minutes": 100_001})
    await staff.call("PUT", path, json={"minutes": 90})
    cleared = await staff.call("PUT", path, json={"minutes": 0})

    assert too_big.status == 400
    assert (await too_big.json())["error"]["code"] == "out_of_range"
    assert await cleared.json() == {"threshold_minutes": None}


async def test_another_organizations_staff_find_nothing(client, store, lesson) -> None:
    event, _session = lesson
    other = await sign_in_staff(client, store, email="other@example.org")

    response = await other.call("GET", f"/api/events/{event.event_id}/attendance")

    assert response.status == 404


async def test_a_zip_of_certificates_is_queued_and_its_progress_listed(
    staff, store, settings, lesson
) -> None:
    event, session = lesson
    await store.certificates.set_threshold(Scope.SESSION, session.session_id, 40)
    zips = f"/api/events/{event.event_id}/certificate-zips"

    queued = await staff.call(
        "POST", zips, json={"scope": "session", "scope_id": session.session_id}
    )
    nobody = await staff.call("POST", zips, json={"scope": "event", "scope_id": event.event_id})
    await Worker(store, settings).run_once()
    [listed] = await (await staff.call("GET", zips)).json()

    job = await queued.json()
    assert (queued.status, job["state"], job["download"]) == (202, "queued", None)
    assert (nobody.status, (await nobody.json())["error"]["code"]) == (400, "none_earned")
    assert listed == {
        "job_id": job["job_id"], "scope": "session", "scope_id": session.session_id,
        "state": "done", "done": 1, "total": 1, "error": "",
        "download": f"/console/events/{event.event_id}/jobs/{job['job_id']}.zip",
    }  # fmt: skip
    download = await staff.call("GET", listed["download"])
    assert (download.status, download.content_type) == (200, "application/zip")
