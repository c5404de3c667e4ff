"""server/pdf_pages.py: a PDF's pages, however it is saved."""

import subprocess
from pathlib import Path

from server.pdf_pages import count_pages
from tests.fixtures_files import make_packed_pdf, make_pdf


def test_the_pages_of_a_plain_pdf() -> None:
    assert [count_pages(make_pdf(pages=n)) for n in (1, 3, 12)] == [1, 3, 12]


def test_the_pages_of_a_pdf_packed_into_object_streams(tmp_path: Path) -> None:
    packed = make_packed_pdf(pages=4)
    (tmp_path / "packed.pdf").write_bytes(packed)

    assert b"/ObjStm" in packed and b"/Type /Pages" not in packed  # the page tree is packed
    assert count_pages(packed) == count_pages(tmp_path / "packed.pdf") == 4


def test_the_pages_of_a_pdf_encrypted_with_an_empty_password(tmp_path: Path) -> None:
    (tmp_path / "plain.pdf").write_bytes(make_pdf(pages=2))
    subprocess.run(
        ["qpdf", "--encrypt", "", "owner-secret", "256", "--", "plain.pdf", "locked.pdf"],
        cwd=tmp_path, check=True, capture_output=True,
    )  # fmt: skip

    assert count_pages(tmp_path / "locked.pdf") == 2


def test_what_cannot_be_read_has_no_pages() -> None:
    damaged = make_pdf(pages=3)[:200]
    assert [count_pages(b"%PDF-1.5 compressed"), count_pages(damaged), count_pages(b"")] == [
        0,
        0,
        0,
    ]
