import pytest

from rooms.errors import DomainError
from rooms.files import (
    FILE_NAME_MAX,
    MIB,
    SNIFF_BYTES,
    FilePurpose,
    MediaType,
    check_file_size,
    check_file_type,
    clean_file_name,
    sniff_media_type,
)

PDF_HEAD = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj"
PNG_HEAD = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR"
JPEG_HEAD = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01"
WEBP_HEAD = b"RIFF\x24\x00\x00\x00WEBPVP8 "
HTML_HEAD = b"<!DOCTYPE html><html><script>alert(1)</script>"


@pytest.mark.parametrize(
    ("head", "expected"),
    [
        (PDF_HEAD, MediaType.PDF),
        (PNG_HEAD, MediaType.PNG),
        (JPEG_HEAD, MediaType.JPEG),
        (WEBP_HEAD, MediaType.WEBP),
        (HTML_HEAD, None),  # whatever it was called: report.pdf
        (b"RIFF\x24\x00\x00\x00WAVEfmt ", None),  # RIFF, but sound
        (b"GIF89a\x01\x00\x01\x00", None),
        (b"PK\x03\x04\x14\x00\x06\x00", None),  # a .docx, a .zip
        (b" %PDF-1.7", None),  # the signature must open the file
        (b"%PDF", None),
        (b"\x89PNG", None),
        (b"", None),
    ],
    ids=["pdf", "png", "jpeg", "webp", "html", "wav", "gif", "zip", "late-pdf", "short-pdf",
         "short-png", "empty"],
)  # fmt: skip
def test_sniff_media_type_reads_the_first_bytes(head: bytes, expected: MediaType | None) -> None:
    assert sniff_media_type(head[:SNIFF_BYTES]) == expected


@pytest.mark.parametrize(
    ("head", "expected"),
    [(PDF_HEAD, MediaType.PDF), (PNG_HEAD, MediaType.PNG), (JPEG_HEAD, MediaType.JPEG),
     (WEBP_HEAD, MediaType.WEBP)],
)  # fmt: skip
def test_check_file_type_takes_each_kind_as_material(head: bytes, expected: MediaType) -> None:
    assert check_file_type(head=head[:SNIFF_BYTES], purpose=FilePurpose.MATERIAL) == expected


def test_check_file_type_refuses_a_page_named_like_a_pdf() -> None:
    with pytest.raises(DomainError) as refused:
        check_file_type(head=HTML_HEAD[:SNIFF_BYTES], purpose=FilePurpose.MATERIAL)

    assert refused.value.code == "file_type"
    assert refused.value.message == (
        "Only these kinds of file can be uploaded here: PDF, PNG, JPEG, WebP."
    )


def test_check_file_type_refuses_an_empty_file() -> None:
    with pytest.raises(DomainError) as refused:
        check_file_type(head=b"", purpose=FilePurpose.MATERIAL)

    assert (refused.value.code, refused.value.message) == ("file_empty", "The file is empty.")


def test_check_file_type_takes_only_pdf_for_an_agreement() -> None:
    assert check_file_type(head=PDF_HEAD, purpose=FilePurpose.AGREEMENT) == MediaType.PDF
    with pytest.raises(DomainError) as refused:
        check_file_type(head=PNG_HEAD, purpose=FilePurpose.AGREEMENT)

    assert refused.value.message == "Only these kinds of file can be uploaded here: PDF."


@pytest.mark.parametrize("purpose", list(FilePurpose))
def test_check_file_size_allows_50_mib_and_not_a_byte_more(purpose: FilePurpose) -> None:
    check_file_size(size=50 * MIB, purpose=purpose)
    with pytest.raises(DomainError) as refused:
        check_file_size(size=50 * MIB + 1, purpose=purpose)

    assert refused.value.code == "file_too_large"
    assert refused.value.message == "The file is larger than 50 MiB, the most allowed here."


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("Project plan.pdf", "Project plan.pdf"),
        ("项目申报书（终稿）.pdf", "项目申报书（终稿）.pdf"),
        ("../../etc/passwd", "passwd"),
        ("C:\\Users\\li\\Desktop\\slides.pdf", "slides.pdf"),
        ("report\x00.pdf", "report.pdf"),
        ("line\r\nbreak.pdf", "line break.pdf"),
        ("invoice\u202efdp.exe", "invoicefdp.exe"),  # no right-to-left override
        ("  many   spaces\t.pdf ", "many spaces .pdf"),
        ("", "file.pdf"),
        ("dir/", "file.pdf"),
        ("..", "file.pdf"),
        ("\x1b\x07", "file.pdf"),
        ("a \u200b b.pdf", "a b.pdf"),
    ],
)
def test_clean_file_name_keeps_what_can_be_shown(name: str, expected: str) -> None:
    assert clean_file_name(name, media_type=MediaType.PDF) == expected


def test_clean_file_name_names_an_unnamed_image_by_its_kind() -> None:
    assert clean_file_name("", media_type=MediaType.WEBP) == "file.webp"


def test_clean_file_name_shortens_a_long_name_keeping_its_extension() -> None:
    cleaned = clean_file_name("长" * 300 + ".pdf", media_type=MediaType.PDF)

    assert cleaned == "长" * (FILE_NAME_MAX - 4) + ".pdf"


def test_clean_file_name_cuts_a_long_name_without_an_extension() -> None:
    assert clean_file_name("a" * 300, media_type=MediaType.PDF) == "a" * FILE_NAME_MAX
