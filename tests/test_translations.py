"""Every user-visible string has a Chinese translation: checked by reading the code.

The English source strings (msgids) come from
- the templates under web/templates: ``_("...")``, ``gettext("...")`` and
  ``ngettext("...", "...", n)``;
- the Python of rooms/ and server/: what is given to a *message carrier*. The carriers are
  gettext and ngettext (the message), DomainError and every subclass of it (the template;
  ApiError's third argument), and, found by following the code, any function or subclass
  ``__init__`` that passes one of its parameters on to a carrier (schema's ``_wrong``, the
  forms' ``whole_number``...). A carrier's argument may be a literal, a constant of the
  module, a local variable, a conditional, a concatenation, or an item of a module-level dict
  (then every value of the dict counts). Also: a ``template = "..."`` in the body of a
  DomainError subclass, and the label tables whose values the templates pass through
  ``_()``: every dict of server/pages/labels.py and any module-level dict named ``*_LABELS``,
  ``*_TITLES``, ``*_STRINGS``, ``*_MESSAGES`` or ``*_TEMPLATES`` (a new table for templates
  must follow this naming, or the check cannot see it).

Then every msgid needs a non-empty zh_CN translation with the same {placeholders}, no msgid
may have different translations in two .po files (the merge would pick one silently), and
no entry may be fuzzy. A message built before translation (an f-string, ``%`` or
``.format`` given to a carrier) can never match a msgid: that is refused too. Templates show
no English text outside ``_()``.

``make messages`` (pybabel; keywords in babel.cfg) writes messages.pot for tools;
it sees only literal arguments, so this test stays the complete check.
"""

import ast
import re
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path
from string import Formatter

import jinja2
import pytest
from babel.messages import pofile

ROOT = Path(__file__).resolve().parent.parent
PO_DIR = ROOT / "web" / "translations" / "zh_CN" / "LC_MESSAGES"
TEMPLATES = ROOT / "web" / "templates"
PACKAGES = ("rooms", "server")
ERROR_ROOT = "DomainError"
LABEL_MODULES = ("server/pages/labels.py",)
LABEL_TABLE = re.compile(r"(^|_)(LABELS|TITLES|STRINGS|MESSAGES|TEMPLATES)$")
FUNCTIONS = (ast.FunctionDef, ast.AsyncFunctionDef)


@dataclass(frozen=True)
class Msgid:
    text: str
    plural: str | None
    where: str  # "path:line"


# templates


def template_msgids(name: str, source: str) -> list[Msgid]:
    """The constant strings of a template's _(), gettext() and ngettext() calls."""
    env = jinja2.Environment(extensions=["jinja2.ext.i18n"])
    found = []
    for line, function, message in env.extract_translations(source, ("_", "gettext", "ngettext")):
        strings = message if isinstance(message, tuple) else (message,)
        if strings and isinstance(strings[0], str):
            plural = strings[1] if function == "ngettext" else None
            found.append(Msgid(strings[0], plural, f"{name}:{line}"))
    return found


# python


def _name(node: ast.AST) -> str:
    if isinstance(node, ast.Name):
        return node.id
    return node.attr if isinstance(node, ast.Attribute) else ""


def _positional(function: ast.FunctionDef | ast.AsyncFunctionDef) -> tuple[str, ...]:
    names = tuple(a.arg for a in function.args.posonlyargs + function.args.args)
    return names[1:] if names[:1] in (("self",), ("cls",)) else names


def _params(function: ast.AST | None) -> set[str]:
    if not isinstance(function, FUNCTIONS):
        return set()
    return {node.arg for node in ast.walk(function.args) if isinstance(node, ast.arg)}


def _scoped(tree: ast.AST) -> Iterator[tuple[ast.AST, ast.ClassDef | None, ast.AST | None]]:
    """Every node with its innermost enclosing class and function."""
    stack: list[tuple[ast.AST, ast.ClassDef | None, ast.AST | None]] = [(tree, None, None)]
    while stack:
        node, cls, function = stack.pop()
        yield node, cls, function
        inner_cls = node if isinstance(node, ast.ClassDef) else cls
        inner_function = node if isinstance(node, FUNCTIONS) else function
        stack.extend((child, inner_cls, inner_function) for child in ast.iter_child_nodes(node))


@dataclass(frozen=True)
class Signature:
    positional: tuple[str, ...]
    messages: frozenset[str]  # the parameters that take a message
    required: int  # how many of the positional ones have no default

    @classmethod
    def of(cls, function: ast.AST, messages: frozenset[str]) -> "Signature":
        assert isinstance(function, FUNCTIONS)
        positional = _positional(function)
        required = len(positional) - len(function.args.defaults)
        return cls(positional, messages & frozenset(positional), required)

    def fits(self, call: ast.Call) -> bool:
        """Whether a call can be to this signature (stdlib gettext vs. server.i18n's)."""
        if any(isinstance(arg, ast.Starred) for arg in call.args):
            return True
        named = sum(1 for k in call.keywords if k.arg in self.positional)
        return self.required <= len(call.args) + named and len(call.args) <= len(self.positional)


# gettext's and ngettext's standard signatures (a catalog's methods); the project's own
# functions of the same names (server.i18n: request first) are added from their defs.
STDLIB = {
    "gettext": Signature(("message",), frozenset({"message"}), 1),
    "ngettext": Signature(("singular", "plural", "n"), frozenset({"singular", "plural"}), 3),
}


class PythonMessages:
    """The msgids of a set of modules, given as {path: source}."""

    def __init__(self, sources: dict[str, str]) -> None:
        self.trees = {path: ast.parse(source, path) for path, source in sources.items()}
        self.classes = {
            node.name: node
            for tree in self.trees.values()
            for node in ast.walk(tree)
            if isinstance(node, ast.ClassDef)
        }
        self.family = self._error_family()
        self.carriers: dict[str, set[Signature]] = defaultdict(set)
        self._find_carriers()
        self.dynamic: list[str] = []  # where a message is built before it is translated
        self.prose_params: list[str] = []  # English prose given as a message's parameter
        self.found = [m for path in self.trees for m in self._msgids_of(path)]

    def _error_family(self) -> set[str]:
        family, grew = {ERROR_ROOT}, True
        while grew:
            more = {
                name
                for name, node in self.classes.items()
                if name not in family and any(_name(b) in family for b in node.bases)
            }
            family, grew = family | more, bool(more)
        return family

    def _definitions(self) -> Iterator[tuple[str, ast.FunctionDef | ast.AsyncFunctionDef]]:
        """(carrier key, def): a subclass's __init__ is called by the subclass's name."""
        for tree in self.trees.values():
            for node, cls, _ in _scoped(tree):
                if not isinstance(node, FUNCTIONS):
                    continue
                if node.name != "__init__":
                    yield node.name, node
                elif cls is not None and cls.name in self.family:
                    yield cls.name, node

    def _find_carriers(self) -> None:
        """The seeds, then every def passing a parameter on to a carrier, to a fixpoint."""
        definitions = list(self._definitions())
        for key, signature in STDLIB.items():
            self.carriers[key].add(signature)
        for key, function in definitions:
            seed = STDLIB[key].messages if key in STDLIB else frozenset({"template"})
            if key in STDLIB or key == ERROR_ROOT:
                self.carriers[key].add(Signature.of(function, seed))
        grew = True
        while grew:
            grew = False
            for key, function in definitions:
                if key in STDLIB or key == ERROR_ROOT:
                    continue  # the seeds are known; their bodies call the stdlib's gettext
                flowing = self._flowing(key, function)
                signature = Signature.of(function, frozenset(flowing))
                if flowing and signature not in self.carriers[key]:
                    self.carriers[key].add(signature)
                    grew = True

    def _flowing(self, key: str, function: ast.AST) -> set[str]:
        """The parameters of function that it passes as messages to a carrier."""
        cls = self.classes.get(key) if key in self.family else None
        params = _params(function)
        return {
            arg.id
            for call in ast.walk(function)
            if isinstance(call, ast.Call)
            for _, arg in self._message_args(call, cls)
            if isinstance(arg, ast.Name) and arg.id in params
        }

    def _signatures(self, key: str) -> set[Signature]:
        """A carrier's signatures; a subclass without an __init__ of its own inherits."""
        if self.carriers.get(key) or key not in self.classes or key not in self.family:
            return self.carriers.get(key, set())
        return {s for b in self.classes[key].bases for s in self._signatures(_name(b))}

    def _callee(self, call: ast.Call, cls: ast.ClassDef | None) -> str:
        func = call.func
        is_super = isinstance(func, ast.Attribute) and func.attr == "__init__"
        if is_super and isinstance(func.value, ast.Call) and _name(func.value.func) == "super":
            bases = [_name(b) for b in cls.bases] if cls is not None else []
            return next((b for b in bases if b in self.family), "")
        return _name(func)

    def _message_args(self, call: ast.Call, cls: ast.ClassDef | None) -> list[tuple[str, ast.expr]]:
        """(parameter, argument) of each message argument of a call to a carrier."""
        args: list[tuple[str, ast.expr]] = []
        for signature in self._signatures(self._callee(call, cls)):
            if not signature.fits(call):
                continue
            for param, arg in zip(signature.positional, call.args, strict=False):
                if isinstance(arg, ast.Starred):
                    break
                if param in signature.messages:
                    args.append((param, arg))
            args += [(k.arg, k.value) for k in call.keywords if k.arg in signature.messages]
        return args

    def _msgids_of(self, path: str) -> Iterator[Msgid]:
        tree = self.trees[path]
        for node, cls, function in _scoped(tree):
            if isinstance(node, ast.Call):
                yield from self._call_msgids(path, node, cls, function)
            elif isinstance(node, ast.ClassDef) and node.name in self.family:
                yield from self._class_template(path, node)
        for name, value in self._module_values(path).items():
            if isinstance(value, ast.Dict) and (path in LABEL_MODULES or LABEL_TABLE.search(name)):
                for item in value.values:
                    yield from self._plain(path, item, None)

    def _call_msgids(
        self, path: str, call: ast.Call, cls: ast.ClassDef | None, function: ast.AST | None
    ) -> Iterator[Msgid]:
        args = self._message_args(call, cls)
        if args:
            self._check_params(path, call, {param for param, _ in args}, function)
        plural = next((arg for param, arg in args if param == "plural"), None)
        for param, arg in args:
            if param == "singular" and plural is not None:
                for (text, line), (other, _) in self._pairs(path, arg, plural, function):
                    yield Msgid(text, other, f"{path}:{line}")
            elif param != "plural":
                yield from self._plain(path, arg, function)

    def _check_params(
        self, path: str, call: ast.Call, messages: set[str], function: ast.AST | None
    ) -> None:
        """A parameter is filled in after translation: English prose in it stays English."""
        for keyword in call.keywords:
            if keyword.arg in messages or keyword.arg in (None, "code"):
                continue
            seen = len(self.dynamic)
            texts = self.resolve(path, keyword.value, function)
            del self.dynamic[seen:]  # building a parameter is fine
            self.prose_params += [
                f"{path}:{line}: {keyword.arg}={text!r}"
                for text, line in texts
                if re.search(r"[A-Za-z]+ [A-Za-z]+", text)
            ]

    def _pairs(self, path: str, one: ast.expr, two: ast.expr, function: ast.AST | None) -> list:
        firsts, seconds = self.resolve(path, one, function), self.resolve(path, two, function)
        return list(zip(firsts, seconds, strict=False))

    def _plain(self, path: str, node: ast.expr, function: ast.AST | None) -> Iterator[Msgid]:
        for text, line in self.resolve(path, node, function):
            yield Msgid(text, None, f"{path}:{line}")

    def _class_template(self, path: str, cls: ast.ClassDef) -> Iterator[Msgid]:
        for statement in cls.body:
            if isinstance(statement, ast.Assign | ast.AnnAssign) and statement.value is not None:
                targets = (
                    statement.targets if isinstance(statement, ast.Assign) else [statement.target]
                )
                if any(_name(t) == "template" for t in targets):
                    yield from self._plain(path, statement.value, None)

    def _module_values(self, path: str) -> dict[str, ast.expr]:
        return _assigned(self.trees[path].body)

    def _values_of(self, path: str, name: str, function: ast.AST | None) -> list[ast.expr]:
        """What a name may hold: a parameter nothing (its callers are carriers), a local
        variable its assignments, else the module's constant."""
        if isinstance(function, FUNCTIONS):
            if name in _params(function):
                return []
            local = [
                node.value
                for node in ast.walk(function)
                if isinstance(node, ast.Assign) and any(_name(t) == name for t in node.targets)
            ]
            if local:
                return local
        value = self._module_values(path).get(name)
        return [value] if value is not None else []

    def resolve(
        self, path: str, node: ast.expr, function: ast.AST | None, depth: int = 0
    ) -> list[tuple[str, int]]:
        """The strings an expression may be, each with the line that writes it."""
        match node:
            case _ if depth > 8:
                return []
            case ast.Constant(value=str() as text):
                return [(text, node.lineno)]
            case (
                ast.JoinedStr()
                | ast.BinOp(op=ast.Mod())
                | ast.Call(func=ast.Attribute(attr="format"))
            ):
                self.dynamic.append(f"{path}:{node.lineno}")
                return []
            case ast.BinOp(op=ast.Add(), left=left, right=right):
                return self._joined(path, left, right, function, depth)
            case ast.IfExp(body=body, orelse=orelse):
                return [
                    found
                    for branch in (body, orelse)
                    for found in self.resolve(path, branch, function, depth + 1)
                ]
            case ast.Name(id=name):
                return [
                    found
                    for value in self._values_of(path, name, function)
                    for found in self.resolve(path, value, function, depth + 1)
                ]
            case ast.Subscript(value=table) | ast.Call(func=ast.Attribute(value=table, attr="get")):
                return self._table(path, table, function, depth)
        return []

    def _joined(
        self, path: str, left: ast.expr, right: ast.expr, function: ast.AST | None, depth: int
    ) -> list[tuple[str, int]]:
        lefts = self.resolve(path, left, function, depth + 1)
        rights = self.resolve(path, right, function, depth + 1)
        if not lefts or not rights:
            self.dynamic.append(f"{path}:{left.lineno}")
        return [(a + b, line) for a, line in lefts for b, _ in rights]

    def _table(
        self, path: str, table: ast.expr, function: ast.AST | None, depth: int
    ) -> list[tuple[str, int]]:
        """Every value of the dict an item is taken from."""
        dicts = self._values_of(path, _name(table), function) if isinstance(table, ast.Name) else []
        return [
            found
            for value in dicts
            if isinstance(value, ast.Dict)
            for item in value.values
            for found in self.resolve(path, item, function, depth + 1)
        ]


def _assigned(body: list[ast.stmt]) -> dict[str, ast.expr]:
    values: dict[str, ast.expr] = {}
    for statement in body:
        if isinstance(statement, ast.Assign):
            values.update({_name(t): statement.value for t in statement.targets if _name(t)})
        elif isinstance(statement, ast.AnnAssign) and statement.value is not None:
            values[_name(statement.target)] = statement.value
    return values


# templates: English shown outside _()

JINJA = re.compile(r"\{\{.*?\}\}|\{%.*?%\}|\{#.*?#\}", re.S)
SHOWN_ATTRIBUTES = {"placeholder", "title", "alt", "aria-label"}
NOT_PROSE = {"code", "pre", "kbd", "samp", "script", "style"}
VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source"}


class _RawText(HTMLParser):
    """English words a template shows as they are: in its text and in the attributes a
    reader sees. Jinja expressions are blanked out first. Code samples and a link naming
    a language in that language (hreflang) are not prose."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.raw: list[tuple[int, str]] = []
        self.skipping: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        named = dict(attrs)
        if tag not in VOID and (tag in NOT_PROSE or "hreflang" in named or self.skipping):
            self.skipping.append(tag)
        for name, value in attrs:
            if name in SHOWN_ATTRIBUTES or (name == "value" and named.get("type") == "submit"):
                self._check(value or "")

    def handle_endtag(self, tag: str) -> None:
        if self.skipping and self.skipping[-1] == tag:
            self.skipping.pop()

    def handle_data(self, data: str) -> None:
        if not self.skipping:
            self._check(data)

    def _check(self, text: str) -> None:
        if re.search(r"[A-Za-z]{2,}", text):
            self.raw.append((self.getpos()[0], " ".join(text.split())))


def untranslated_text(name: str, source: str) -> list[str]:
    blanked = JINJA.sub(lambda m: " " + "\n" * m.group().count("\n"), source)
    parser = _RawText()
    parser.feed(blanked)
    parser.close()
    return [f"{name}:{line}: {text!r}" for line, text in parser.raw]


# the catalogs


@dataclass(frozen=True)
class Entry:
    file: str
    forms: tuple[str, ...]  # the translation, one string per plural form
    plural: str | None
    fuzzy: bool


def po_entries(folder: Path) -> dict[str, list[Entry]]:
    """Every entry of every .po file of a language, by msgid (a plural's singular)."""
    entries: dict[str, list[Entry]] = defaultdict(list)
    for po in sorted(folder.glob("*.po")):
        with po.open("rb") as source:
            catalog = pofile.read_po(source, locale="zh_CN")
        for message in catalog:
            if message.id:
                ids = message.id if isinstance(message.id, tuple) else (message.id, None)
                forms = message.string if isinstance(message.string, tuple) else (message.string,)
                entries[ids[0]].append(Entry(po.name, tuple(forms), ids[1], message.fuzzy))
    return entries


def placeholders(text: str) -> list[str]:
    """The {fields} of a str.format template as written, conversion and spec included."""
    try:
        parsed = list(Formatter().parse(text))
    except ValueError:
        return ["<malformed braces>"]
    return sorted(
        "{" + name + (f"!{conversion}" if conversion else "") + (f":{spec}" if spec else "") + "}"
        for _, name, spec, conversion in parsed
        if name is not None
    )


def _filled(entry: Entry) -> bool:
    return all(form.strip() for form in entry.forms)


def untranslated(msgids: list[Msgid], entries: dict[str, list[Entry]]) -> list[Msgid]:
    """Msgids without a translation (for ngettext: without a plural entry)."""
    return [
        msgid
        for msgid in msgids
        if not any(
            _filled(entry) and (msgid.plural is None) == (entry.plural is None)
            for entry in entries.get(msgid.text, [])
        )
    ]


def wrong_placeholders(entries: dict[str, list[Entry]]) -> list[str]:
    return [
        f"{entry.file}: {msgid!r} -> {form!r}"
        for msgid, found in entries.items()
        for entry in found
        for form in entry.forms
        if form and placeholders(form) != placeholders(entry.plural or msgid)
    ]


def conflicts(entries: dict[str, list[Entry]]) -> list[str]:
    """Msgids translated differently in two files (an empty msgstr translates nothing)."""
    return [
        f"{msgid!r}: " + "; ".join(f"{e.file} {e.forms}" for e in found if _filled(e))
        for msgid, found in entries.items()
        if len({e.forms for e in found if _filled(e)}) > 1
    ]


def fuzzy(entries: dict[str, list[Entry]]) -> list[str]:
    return [f"{e.file}: {msgid!r}" for msgid, found in entries.items() for e in found if e.fuzzy]


def by_file(msgids: list[Msgid]) -> str:
    """Msgids grouped by the file that uses them, one per line."""
    grouped: dict[str, list[tuple[int, str]]] = defaultdict(list)
    for msgid in set(msgids):
        path, _, line = msgid.where.rpartition(":")
        plural = f" / {msgid.plural!r}" if msgid.plural else ""
        grouped[path].append((int(line), f"  {line}: {msgid.text!r}{plural}"))
    return "\n".join(
        f"{path}\n" + "\n".join(text for _, text in sorted(lines))
        for path, lines in sorted(grouped.items())
    )


# the project


def _sources(paths: list[Path]) -> dict[str, str]:
    return {str(path.relative_to(ROOT)): path.read_text(encoding="utf-8") for path in paths}


@pytest.fixture(scope="module")
def python() -> PythonMessages:
    return PythonMessages(
        _sources([p for package in PACKAGES for p in sorted((ROOT / package).rglob("*.py"))])
    )


@pytest.fixture(scope="module")
def templates() -> dict[str, str]:
    return _sources(sorted(TEMPLATES.rglob("*.html")))


@pytest.fixture(scope="module")
def template_found(templates: dict[str, str]) -> list[Msgid]:
    return [msgid for name, source in templates.items() for msgid in template_msgids(name, source)]


@pytest.fixture(scope="module")
def entries() -> dict[str, list[Entry]]:
    return po_entries(PO_DIR)


# the checks


def test_every_user_visible_string_has_a_chinese_translation(
    python: PythonMessages, template_found: list[Msgid], entries: dict[str, list[Entry]]
) -> None:
    missing = untranslated(template_found + python.found, entries)

    assert missing == [], "No zh_CN translation (add it to a .po file):\n" + by_file(missing)


def test_translations_keep_the_placeholders_of_their_msgid(
    entries: dict[str, list[Entry]],
) -> None:
    wrong = wrong_placeholders(entries)

    assert wrong == [], "Placeholders differ from the msgid's:\n" + "\n".join(wrong)


def test_no_msgid_has_different_translations_in_two_files(
    entries: dict[str, list[Entry]],
) -> None:
    found = conflicts(entries)

    assert found == [], "Keep one translation, in one file:\n" + "\n".join(found)


def test_no_translation_is_fuzzy(entries: dict[str, list[Entry]]) -> None:
    found = fuzzy(entries)

    assert found == [], "Review, then drop the fuzzy flag:\n" + "\n".join(found)


def test_no_message_is_built_before_it_is_translated(python: PythonMessages) -> None:
    assert python.dynamic == [], "Give the template, then the params (no f-string):\n" + "\n".join(
        python.dynamic
    )


def test_no_english_prose_is_given_as_a_parameter(python: PythonMessages) -> None:
    assert python.prose_params == [], "Make it part of the template(s):\n" + "\n".join(
        python.prose_params
    )


def test_templates_show_no_english_outside_translations(templates: dict[str, str]) -> None:
    raw = [line for name, source in templates.items() for line in untranslated_text(name, source)]

    assert raw == [], "Wrap in {{ _(...) }}:\n" + "\n".join(raw)


# the extractors find what they should (so the checks above cannot pass vacuously)


def test_template_extraction_finds_the_known_strings(template_found: list[Msgid]) -> None:
    known = {
        ("Back to the home page", None),
        ("Yunhui", None),
        ("{num} expert in the pool", "{num} experts in the pool"),
    }

    assert known - {(m.text, m.plural) for m in template_found} == set()


def test_python_extraction_finds_the_known_strings(python: PythonMessages) -> None:
    known = {
        "No event {event_id}.",  # NotFound
        "A session may last at most 24 hours.",  # TimeError, a subclass in rooms/timing.py
        "Sign in first: this needs a staff account.",  # ApiError's third argument
        "Field {name} must be a string.",  # through schema's _wrong(name, template)
        "Capacity must be a whole number.",  # through forms.whole_number
        "Wrong email or password.",  # a module constant
        "This address does not take {method} requests.",  # errors._HTTP_TEMPLATES
        "Too many failed sign-ins from your network. Signing in from it is locked for {wait}.",
        "Signing in is locked for {seconds} seconds.",  # LoginLocked's super().__init__
        "This invite has expired. Ask the organizer for a new one.",  # invites._MESSAGES
        "Invite expired",  # pages.invites.REFUSAL_TITLES
        "Roadshow",  # pages.labels.KINDS
        "{n} minute",  # ngettext
    }
    texts = {msgid.text for msgid in python.found}

    assert (known - texts, {t for t in texts if t.endswith(".html")}) == (set(), set())


SAMPLE = """
def gettext(request, message): ...
def ngettext(request, singular, plural, n): ...
class DomainError(Exception):
    def __init__(self, template, *, code=None, **params):
        super().__init__(template)
class NotFound(DomainError): ...
class Gone(NotFound):
    template = "It is gone."
class ApiError(DomainError):
    def __init__(self, status, code, template, **params):
        super().__init__(template, code=code, **params)
class Refused(DomainError):
    def __init__(self, reason):
        super().__init__(_WHY[reason])
_WHY = {"a": "Refused for a.", "b": "Refused " "for b."}
LATE = "Too late."
def refuse(form, template):
    raise NotFound(template, form=form)
class Missing(NotFound):
    def __init__(self, what, *, code=None):
        super().__init__(what, code=code)
def say(lang, message):
    return CATALOGS[lang].gettext(message)
def page(request, locked):
    say("en", "Said.")
    raise Missing("Missing.")
    raise NotFound("Nobody is {where}.", where="in the room", name=request.name, code="x y")
    template = "Locked." if locked else "Open."
    refuse({}, "Through a wrapper.")
    render("page.html", request)
    ngettext(request, "{n} day", "{n} days", 2)
    gettext(request, template)
    raise ApiError(400, "bad", LATE if locked else f"Late by {locked}.")
"""


def test_python_extraction_follows_the_carriers() -> None:
    found = PythonMessages({"sample.py": SAMPLE})

    assert sorted((m.text, m.plural) for m in found.found) == [
        ("It is gone.", None),
        ("Locked.", None),
        ("Missing.", None),
        ("Nobody is {where}.", None),
        ("Open.", None),
        ("Refused for a.", None),
        ("Refused for b.", None),
        ("Said.", None),
        ("Through a wrapper.", None),
        ("Too late.", None),
        ("{n} day", "{n} days"),
    ]
    assert (found.dynamic, found.prose_params) == (
        ["sample.py:34"],
        ["sample.py:28: where='in the room'"],
    )


def test_template_extraction_takes_constant_messages_only() -> None:
    source = '<p>{{ _("Hello") }}</p>\n{{ ngettext("{n} day", "{n} days", n) }} {{ _(label) }}'

    assert template_msgids("t.html", source) == [
        Msgid("Hello", None, "t.html:1"),
        Msgid("{n} day", "{n} days", "t.html:2"),
    ]


def test_untranslated_text_finds_english_text_and_shown_attributes() -> None:
    source = (
        '<p title="Tip">{{ _("Fine") }}</p>\n<button>Join</button> <code>a,b</code>\n'
        '<input placeholder="{{ _(\'x\') }}"> <a hreflang="en">English</a>'
    )

    assert untranslated_text("t.html", source) == ["t.html:1: 'Tip'", "t.html:2: 'Join'"]


def test_catalog_checks_find_untranslated_fuzzy_conflicting_and_broken_entries(
    tmp_path: Path,
) -> None:
    header = 'msgid ""\nmsgstr ""\n"Content-Type: text/plain; charset=UTF-8\\n"\n\n'
    (tmp_path / "a.po").write_text(
        header + 'msgid "Save"\nmsgstr "保存"\n\n#, fuzzy\nmsgid "Hi {name}"\nmsgstr "你好"\n'
    )
    (tmp_path / "b.po").write_text(header + 'msgid "Save"\nmsgstr "存"\n\nmsgid "Go"\nmsgstr ""\n')
    entries = po_entries(tmp_path)

    assert untranslated([Msgid("Go", None, "x:1"), Msgid("Save", None, "x:2")], entries) == [
        Msgid("Go", None, "x:1")
    ]
    assert fuzzy(entries) == ["a.po: 'Hi {name}'"]
    assert conflicts(entries) == ["'Save': a.po ('保存',); b.po ('存',)"]
    assert wrong_placeholders(entries) == ["a.po: 'Hi {name}' -> '你好'"]


def test_placeholders_keep_conversions_and_specs() -> None:
    assert placeholders("{name!r} has {n:>3} {{literal}} {n}") == ["{n:>3}", "{name!r}", "{n}"]
