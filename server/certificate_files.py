"""Certificates of attendance as files: one certificate's PDF report (the association, the
event, the sessions, the active time, the person's name, its number, and a QR code of its public
verification page, in the reader's language; ``server.reports`` embeds the CJK font), and
the bulk job that makes a zip of every certificate of a scope (run by the worker,
``server/worker.py``), reporting its progress as it goes.

The zip is written under the data folder (``jobs/<job_id>.zip``), whole or not at all: under
a private name first, then renamed into place.
"""

import asyncio
import json
import os
import secrets
import zipfile
from collections.abc import Awaitable, Callable
from datetime import datetime
from pathlib import Path

from aiohttp import web

from rooms.certificates import Certificate
from rooms.errors import DomainError, NotFound
from rooms.jobs import Job, Progress
from server import certificates
from server.i18n import gettext
from server.reports import Heading, Paragraph, QrCode, Report, ReportFont, Table, render_pdf
from server.settings import Settings
from server.store import Store

Translate = Callable[[str], str]
Advance = Callable[[int, int], Awaitable[None]]  # (done, total): the job's progress
BULK_KIND = "certificates"  # the job kind of a zip of certificates


def names(certificate: Certificate, lang: str) -> tuple[str, str]:
    """The association's and the event's names in the language, else the other one."""
    c, zh = certificate, lang.startswith("zh")
    org = (c.org_name_zh if zh else c.org_name_en) or c.org_name_zh or c.org_name_en
    event = (c.event_title_zh if zh else c.event_title_en) or c.event_title_zh or c.event_title_en
    return org, event


def certificate_report(certificate: Certificate, *, t: Translate, lang: str, url: str) -> Report:
    """What the certificate says, in the reader's language."""
    c = certificate
    org, event = names(c, lang)
    statement = t("{name} attended {event}, held by {organization}, for {duration}.")
    duration = active_time_text(c, t)
    return Report(
        title=t("Certificate of attendance"),
        subtitle=org,
        lang="zh-CN" if lang.startswith("zh") else "en",
        sections=(
            Heading(c.name),
            Paragraph(
                statement.format(name=c.name, event=event, organization=org, duration=duration)
            ),
            Table(columns=(t("Sessions"),), rows=tuple((title,) for title in c.sessions)),
            Paragraph(
                f"{t('Certificate number')}: {c.number}\n"
                f"{t('Issued on')}: {c.issued_on.isoformat()}\n"
                f"{t('Active time')}: {duration}"
            ),
            QrCode(url, caption=f"{t('Check this certificate at')}\n{url}"),
        ),
        created=c.issued_at,
    )


def active_time_text(certificate: Certificate, t: Translate) -> str:
    """The certificate's active time in words: "45 minutes" under an hour, else "1.5 hours"."""
    time = certificate.active_time
    if time.hours:
        return t("{hours} hours").format(hours=time.hours)
    if time.minutes == 1:
        return t("1 minute")
    return t("{minutes} minutes").format(minutes=time.minutes)


def file_name(certificate: Certificate) -> str:
    return f"certificate-{certificate.number}.pdf"


def zip_path(settings: Settings, job_id: str) -> Path:
    return settings.data_dir / "jobs" / f"{job_id}.zip"


async def bulk_zip(
    store: Store,
    settings: Settings,
    job: Job,
    *,
    t: Translate,
    font: ReportFont,
    advance: Advance,
    now: datetime,
) -> Path:
    """Issue every certificate of the job's scope and write them all, as PDFs in the
    language the staff asked in, into the job's zip."""
    event = await store.agenda.get_event(job.owner_id)
    if event is None:
        raise NotFound("There is no such session or event.")
    attendance = await certificates.event_attendance(store, event, now=now)
    scope_id, lang = job.params["scope_id"], job.params.get("lang", "en")
    scope = certificates.scope_of(attendance, job.params["scope"], scope_id)
    found = await certificates.issue_all(store, attendance, scope=scope, scope_id=scope_id, now=now)
    path = zip_path(settings, job.job_id)
    path.parent.mkdir(parents=True, exist_ok=True)
    draft = path.with_name(f".{path.name}.{secrets.token_hex(4)}")
    try:
        with zipfile.ZipFile(draft, "w", zipfile.ZIP_DEFLATED) as archive:
            for done, certificate in enumerate(found, start=1):
                url = certificates.verification_url(settings, certificate)
                report = certificate_report(certificate, t=t, lang=lang, url=url)
                data = await asyncio.to_thread(render_pdf, report, font=font)
                archive.writestr(file_name(certificate), data)
                await advance(done, len(found))
        os.replace(draft, path)
    finally:
        draft.unlink(missing_ok=True)
    return path


def bulk_job(
    attendance: certificates.EventAttendance,
    *,
    scope: str,
    scope_id: str,
    lang: str,
    by: str,
    now: datetime,
) -> Job:
    """A job making the zip of a scope's certificates; refused when nobody earned one or
    too many did."""
    checked = certificates.scope_of(attendance, scope, scope_id)
    earners = len(attendance.earners(checked, scope_id))
    if not earners:
        raise DomainError("Nobody has earned a certificate here yet.", code="none_earned")
    if earners > certificates.BULK_MAX:
        raise DomainError(
            "Too many certificates for one download (at most {most}).",
            code="too_many",
            most=certificates.BULK_MAX,
        )
    return Job(
        job_id=secrets.token_hex(8),
        kind=BULK_KIND,
        owner_id=attendance.event.event_id,
        params={"scope": str(checked), "scope_id": scope_id, "lang": lang},
        created_by=by,
        created_at=now,
    )


def job_error(request: web.Request, progress: Progress) -> str:
    """Why a job failed, translated (the worker keeps the message's template and values)."""
    if not progress.error:
        return ""
    kept = json.loads(progress.error)
    return gettext(request, kept["template"]).format(**kept["params"])
