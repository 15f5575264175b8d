"""The import structure: no module imports itself round a circle, and the layers hold.

Every module of the project's packages (and of the benchmarks) is parsed with :mod:`ast`, never
imported. An import names the module it loads: ``from pkg import name`` is ``pkg.name`` when
that is a module of ours, else ``pkg`` itself; relative imports are resolved against the
importing module's package; an import inside a function counts like any other. A module's
implicit import of its parent packages is no edge: the parent is in ``sys.modules`` before
any of its submodules runs, so it closes no circle. Imports under ``if TYPE_CHECKING:`` never
run, so they are kept apart from the runtime circles; the layering rules apply to them too.
"""

from __future__ import annotations

import ast
import functools
import itertools
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("bot", "handlers", "storage", "registry_files", "rendering", "domain", "loopback")
PRODUCT = ("bot", "handlers", "storage", "registry_files", "rendering", "domain")
SCANNED = (*PACKAGES, "benchmarks")
PROJECT = (*SCANNED, "tests")


@dataclass(frozen=True)
class Import:
    """One import of a module, as the importing module names it."""

    source: str  # the importing module
    target: str  # the module imported: ours resolved, anyone else's as written
    line: int
    typing_only: bool  # under ``if TYPE_CHECKING:``

    def __str__(self) -> str:
        mark = " (under TYPE_CHECKING)" if self.typing_only else ""
        return f"{self.source}:{self.line} imports {self.target}{mark}"


def modules_under(root: Path, packages: Iterable[str]) -> dict[str, Path]:
    """Every module of ``packages`` under ``root``, by dotted name."""
    found: dict[str, Path] = {}
    for package in packages:
        for path in sorted((root / package).rglob("*.py")):
            parts = path.relative_to(root).with_suffix("").parts
            if parts[-1] == "__init__":
                parts = parts[:-1]
            found[".".join(parts)] = path
    return found


def _is_type_checking(test: ast.expr) -> bool:
    if isinstance(test, ast.Attribute):  # typing.TYPE_CHECKING
        return test.attr == "TYPE_CHECKING"
    return isinstance(test, ast.Name) and test.id == "TYPE_CHECKING"


def _import_statements(
    nodes: Iterable[ast.AST], typing_only: bool = False
) -> Iterator[tuple[ast.Import | ast.ImportFrom, bool]]:
    """Every import statement among ``nodes`` and inside them, with whether it is for type
    checking only."""
    for node in nodes:
        if isinstance(node, ast.Import | ast.ImportFrom):
            yield node, typing_only
        elif isinstance(node, ast.If) and _is_type_checking(node.test):
            yield from _import_statements(node.body, True)
            yield from _import_statements(node.orelse, typing_only)
        else:
            yield from _import_statements(ast.iter_child_nodes(node), typing_only)


def imports_of(name: str, path: Path, modules: Mapping[str, Path]) -> list[Import]:
    """What module ``name`` (the file at ``path``) imports; ``modules`` are the project's."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    tree = ast.parse(path.read_text("utf-8"), str(path))
    found: list[Import] = []
    for node, typing_only in _import_statements(tree.body):
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        else:
            base = node.module or ""
            if node.level:  # from . import x, from ..pkg import y
                parts = package.split(".")
                if node.level > len(parts):
                    raise ValueError(f"{path}:{node.lineno}: relative import beyond the top")
                base = ".".join([*parts[: len(parts) - node.level + 1], *filter(None, [base])])
            targets = [
                f"{base}.{alias.name}" if f"{base}.{alias.name}" in modules else base
                for alias in node.names
            ]
        found += [Import(name, t, node.lineno, typing_only) for t in dict.fromkeys(targets)]
    return found


def import_graph(root: Path, packages: Iterable[str]) -> tuple[dict[str, Path], list[Import]]:
    """The modules of ``packages`` under ``root`` and every import they make."""
    modules = modules_under(root, packages)
    return modules, [i for name, path in modules.items() for i in imports_of(name, path, modules)]


@dataclass(frozen=True)
class Knot:
    """Modules that import one another round circles (a strongly connected group)."""

    members: tuple[str, ...]  # sorted
    circle: tuple[str, ...]  # one shortest circle, from the first member back to it

    def __str__(self) -> str:
        text = " -> ".join(self.circle)
        if len(self.members) >= len(self.circle):  # more members than the circle shows
            text += f" (one knot with {', '.join(self.members)})"
        return text


def knots(imports: Iterable[Import], modules: Iterable[str]) -> list[Knot]:
    """The knots of import circles among ``modules`` (Tarjan's algorithm)."""
    ours = set(modules)
    edges: dict[str, set[str]] = {m: set() for m in ours}
    for i in imports:
        if i.source in ours and i.target in ours:
            edges[i.source].add(i.target)
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found: list[Knot] = []
    counter = itertools.count()

    def visit(node: str) -> None:
        index[node] = low[node] = next(counter)
        stack.append(node)
        for nxt in sorted(edges[node]):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            group = set(stack[stack.index(node) :])
            del stack[stack.index(node) :]
            if len(group) > 1 or node in edges[node]:
                found.append(Knot(tuple(sorted(group)), _circle_in(group, edges)))

    for node in sorted(ours):
        if node not in index:
            visit(node)
    return sorted(found, key=lambda knot: knot.members)


def _circle_in(group: set[str], edges: Mapping[str, set[str]]) -> tuple[str, ...]:
    """A shortest circle from the group's first module back to it (breadth first)."""
    start = min(group)
    paths: dict[str, tuple[str, ...]] = {start: (start,)}
    queue = [start]
    for node in queue:
        for nxt in sorted(edges[node] & group):
            if nxt == start:
                return (*paths[node], start)
            if nxt not in paths:
                paths[nxt] = (*paths[node], nxt)
                queue.append(nxt)
    raise AssertionError(f"no circle through {start}")  # every knot has one


def _top(module: str) -> str:
    return module.partition(".")[0]


@dataclass(frozen=True)
class Rule:
    """The modules of ``packages`` import nothing of a ``forbidden`` top-level package and,
    with ``only``, no project package but those."""

    name: str
    packages: tuple[str, ...]
    forbidden: tuple[str, ...] = ()
    only: tuple[str, ...] | None = None

    def broken_by(self, imports: Iterable[Import], project: Iterable[str]) -> list[Import]:
        """The imports that break the rule; ``project`` are the project's top packages."""
        ours = set(project)
        broken = []
        for i in imports:
            if _top(i.source) not in self.packages:
                continue
            top = _top(i.target)
            if top in self.forbidden or (self.only and top in ours and top not in self.only):
                broken.append(i)
        return broken


# The layers README's layout table and STYLE.md's "imports flow one way" describe.
RULES = (
    Rule("storage and rendering never import telegram", ("storage", "rendering"), ("telegram",)),
    Rule("domain imports no project package but domain", ("domain",), only=("domain",)),
    Rule("rendering imports only domain", ("rendering",), only=("domain", "rendering")),
    Rule("storage never imports bot or handlers", ("storage",), ("bot", "handlers")),
    Rule("handlers never import sqlalchemy", ("handlers",), ("sqlalchemy",)),
    Rule("the product never imports tests or benchmarks", PRODUCT, ("tests", "benchmarks")),
    Rule("loopback never imports tests or benchmarks", ("loopback",), ("tests", "benchmarks")),
    Rule("the benchmarks never import tests", ("benchmarks",), ("tests",)),
)

# Knots that only imports under ``if TYPE_CHECKING:`` tie, each with why it is there.
KNOWN_TYPING_KNOTS: dict[frozenset[str], str] = {}


@functools.cache
def _project() -> tuple[dict[str, Path], list[Import]]:
    return import_graph(ROOT, SCANNED)


def _runtime(imports: Iterable[Import]) -> list[Import]:
    return [i for i in imports if not i.typing_only]


def test_every_import_of_ours_names_a_module_of_ours() -> None:
    """An import the graph could not place would be an edge silently lost."""
    modules, imports = _project()
    assert {_top(m) for m in modules} == set(SCANNED)
    assert len(modules) > 100
    lost = [str(i) for i in imports if _top(i.target) in SCANNED and i.target not in modules]
    assert not lost
    edges = {(i.source, i.target) for i in imports}
    assert ("storage.store", "storage.verification") in edges  # from storage.verification …
    assert ("storage.verification", "storage.hotpath") in edges


def test_no_module_imports_itself_round_a_circle() -> None:
    modules, imports = _project()
    found = knots(_runtime(imports), modules)
    assert not found, "import circles: " + "; ".join(str(k) for k in found)


def test_imports_for_type_checking_tie_only_the_knots_listed() -> None:
    """Harmless at runtime (they never run), but each is a knot in the layers to know of."""
    modules, imports = _project()
    runtime = {k.members for k in knots(_runtime(imports), modules)}
    found = {frozenset(k.members): k for k in knots(imports, modules) if k.members not in runtime}
    new = [str(k) for members, k in found.items() if members not in KNOWN_TYPING_KNOTS]
    assert not new, "circles closed by imports under TYPE_CHECKING: " + "; ".join(new)
    gone = [" / ".join(sorted(members)) for members in KNOWN_TYPING_KNOTS if members not in found]
    assert not gone, "no longer knots, take them off KNOWN_TYPING_KNOTS: " + "; ".join(gone)


@pytest.mark.parametrize("rule", RULES, ids=[r.name for r in RULES])
def test_the_layers_hold(rule: Rule) -> None:
    _modules, imports = _project()
    broken = rule.broken_by(imports, PROJECT)
    assert not broken, f"{rule.name}: " + "; ".join(str(i) for i in broken)


def test_the_checks_catch_circles_and_broken_layers(tmp_path: Path) -> None:
    """The checks above, on a project made to fail them."""
    files = {
        "storage/__init__.py": "from storage import a\n",
        "storage/a.py": "from . import b\nimport telegram.ext\n",
        "storage/b.py": "from storage.c import thing\nimport storage\n",
        "storage/c.py": "import typing\nif typing.TYPE_CHECKING:\n    from .d import D\n",
        "storage/d.py": "def later():\n    from .c import x\n",
        "domain/__init__.py": "",
        "domain/e.py": "from storage import b\nfrom domain import e\n",
        "domain/sub/__init__.py": "",
        "domain/sub/f.py": "from .. import e\nfrom ..sub.f import g\n",
    }
    for name, text in files.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(text)
    modules, imports = import_graph(tmp_path, ("storage", "domain"))
    edges = {(i.source, i.target) for i in imports}
    assert {("domain.sub.f", "domain.e"), ("storage.a", "storage.b")} <= edges  # relative
    assert ("storage.d", "storage.c") in edges  # inside a function
    assert Import("storage.c", "storage.d", 3, True) in imports
    runtime = [str(k) for k in knots(_runtime(imports), modules)]
    assert runtime == [
        "domain.e -> domain.e",
        "domain.sub.f -> domain.sub.f",
        "storage -> storage.a -> storage.b -> storage",
    ]
    # The import for mypy ties one knot more.
    assert [str(k) for k in knots(imports, modules)] == [
        *runtime,
        "storage.c -> storage.d -> storage.c",
    ]
    broken = {r.name: [str(i) for i in r.broken_by(imports, ("storage", "domain"))] for r in RULES}
    assert broken["storage and rendering never import telegram"] == [
        "storage.a:2 imports telegram.ext"
    ]
    assert broken["domain imports no project package but domain"] == [
        "domain.e:1 imports storage.b"
    ]
    assert broken["storage never imports bot or handlers"] == []
    # A knot wider than its shortest circle names every member.
    wide = [Import("a", "b", 1, False), Import("b", "a", 1, False), Import("b", "c", 1, False)]
    wide.append(Import("c", "b", 1, False))
    assert str(knots(wide, "abc")[0]) == "a -> b -> a (one knot with a, b, c)"
