# SPDX-License-Identifier: EUPL-1.2
"""The Dutch error texts a web request can show, read from the source (for the English check).

Every call that puts a text in front of a visitor is found with ``ast``: the exceptions a
request raises on purpose (``NotFound``, ``BadRequest`` …), ``HTTPException`` and the edge's
``errors.page`` / ``errors.problem`` / ``_refuse``, and ``exc.hint = …``. Each text argument
becomes one or more samples: a literal as it is; in an f-string every value the text does not
fix is a token ``x1``, ``x2`` …; a name, a conditional, a ``+`` or a call of a function of the
same module is followed to the texts it can be (``when = f"{n} seconden" if … else …``).
An argument that is no text of its own (``exc.message``, ``str(exc.detail)``) passes a text on
and is skipped.
"""

from __future__ import annotations

import ast
import importlib
import itertools
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import veiligstad

SOURCE = Path(veiligstad.__file__).parent
#: Modules whose texts no web request shows: the command line, the static-site export, and the
#: storage and source adapters (their faults are for the operator; a page shows the 503 title).
SKIPPED = ("cli/", "storage/", "sources/", "web/publish.py")
#: Exceptions a request raises on purpose; their text is the first argument and ``hint``.
RAISED = (
    "NotFound",
    "BadRequest",
    "TooFewAreas",
    "TooFewSteps",
    "TooManyAttempts",
    "LoginRequired",
    "AccessDenied",
)
#: ``DataError`` is mostly about files the CLI reads; in these modules it is about a request's values.
DATA_ERROR_MODULES = ("domain/periods.py", "services/hotspots.py", "services/templates.py")
#: Callable → (positions, keywords) of its text arguments.
TEXT_ARGUMENTS: dict[str, tuple[tuple[int, ...], tuple[str, ...]]] = {
    **dict.fromkeys(RAISED, ((0,), ("message", "hint"))),
    "DataError": ((0,), ("message", "hint")),
    "HTTPException": ((1,), ("detail",)),
    "page": ((2, 3), ("detail", "hint")),
    "problem": ((1,), ("detail",)),
    "_refuse": ((4, 5), ("detail", "hint")),
}
#: A value the text does not fix.
TOKEN = re.compile(r"x\d+")


@dataclass(frozen=True)
class Site:
    """One text argument: where it is and the samples it stands for."""

    where: str
    samples: tuple[str, ...]


class _Module:
    def __init__(self, path: Path) -> None:
        self.path = path
        self.relative = path.relative_to(SOURCE).as_posix()
        self.tree = ast.parse(path.read_text(encoding="utf-8"))
        self.functions = {
            node.name: node
            for node in ast.walk(self.tree)
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)
        }
        self.parents: dict[ast.AST, ast.AST] = {
            child: node for node in ast.walk(self.tree) for child in ast.iter_child_nodes(node)
        }
        self.tokens = itertools.count(1)

    def module_value(self, name: str) -> str | None:
        dotted = "veiligstad." + self.relative.removesuffix(".py").replace("/", ".")
        value = getattr(importlib.import_module(dotted.removesuffix(".__init__")), name, None)
        return value if isinstance(value, str) else None

    def enclosing(self, node: ast.AST) -> ast.AST:
        while node in self.parents:
            node = self.parents[node]
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                return node
        return self.tree

    def token(self) -> str:
        return f"x{next(self.tokens)}"

    def texts(self, node: ast.expr, depth: int = 0) -> list[str] | None:
        """The texts ``node`` can be; None when it is no text of its own."""
        if depth > 8:
            return None
        if isinstance(node, ast.Constant):
            return [node.value] if isinstance(node.value, str) else None
        if isinstance(node, ast.JoinedStr):
            options: list[list[str]] = []
            for part in node.values:
                if isinstance(part, ast.Constant):
                    options.append([str(part.value)])
                else:
                    assert isinstance(part, ast.FormattedValue)
                    options.append(self.texts(part.value, depth + 1) or [self.token()])
            return ["".join(combination) for combination in itertools.product(*options)]
        if isinstance(node, ast.IfExp):
            body = self.texts(node.body, depth + 1)
            orelse = self.texts(node.orelse, depth + 1)
            if body is None and orelse is None:
                return None
            return (body or [self.token()]) + (orelse or [self.token()])
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
            left = self.texts(node.left, depth + 1)
            right = self.texts(node.right, depth + 1)
            if left is None and right is None:
                return None
            return [a + b for a in left or [self.token()] for b in right or [self.token()]]
        if isinstance(node, ast.Name):
            return self.name_texts(node, depth)
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in self.functions:
            function = self.functions[node.func.id]
            returned = [
                self.texts(r.value, depth + 1)
                for r in ast.walk(function)
                if isinstance(r, ast.Return) and r.value is not None
            ]
            if not returned or any(r is None for r in returned):
                return None
            return [text for r in returned if r is not None for text in r]
        return None

    def name_texts(self, node: ast.Name, depth: int) -> list[str] | None:
        scope = self.enclosing(node)
        values = [
            assign.value
            for assign in ast.walk(scope)
            if isinstance(assign, ast.Assign)
            and any(isinstance(t, ast.Name) and t.id == node.id for t in assign.targets)
        ]
        if scope is not self.tree and values:
            found = [self.texts(value, depth + 1) for value in values]
            if any(f is None for f in found):
                return None
            return [text for f in found if f is not None for text in f]
        value = self.module_value(node.id)
        return [value] if value is not None else None

    def sites(self) -> Iterator[Site]:
        for node in ast.walk(self.tree):
            arguments: list[ast.expr] = []
            if isinstance(node, ast.Call):
                func = node.func
                name = (
                    func.id
                    if isinstance(func, ast.Name)
                    else func.attr
                    if isinstance(func, ast.Attribute)
                    else ""
                )
                if name == "DataError" and self.relative not in DATA_ERROR_MODULES:
                    continue
                if name in ("page", "problem") and not (
                    self.relative == "web/errors.py"
                    or (
                        isinstance(func, ast.Attribute)
                        and isinstance(func.value, ast.Name)
                        and func.value.id == "errors"
                    )
                ):
                    continue
                if name not in TEXT_ARGUMENTS:
                    continue
                positions, keywords = TEXT_ARGUMENTS[name]
                arguments += [node.args[p] for p in positions if p < len(node.args)]
                arguments += [k.value for k in node.keywords if k.arg in keywords]
            elif isinstance(node, ast.Assign) and any(
                isinstance(t, ast.Attribute) and t.attr == "hint" for t in node.targets
            ):
                arguments.append(node.value)
            for argument in arguments:
                texts = self.texts(argument)
                if texts:
                    samples = tuple(
                        t for t in dict.fromkeys(texts) if t.strip() and not TOKEN.fullmatch(t.strip())
                    )
                    if samples:
                        yield Site(f"{self.relative}:{argument.lineno}", samples)


def sites() -> list[Site]:
    """Every text argument of the modules a web request runs."""
    found = []
    for path in sorted(SOURCE.rglob("*.py")):
        relative = path.relative_to(SOURCE).as_posix()
        if relative.startswith(SKIPPED):
            continue
        found += list(_Module(path).sites())
    return found


def only_tokens(text: str) -> bool:
    """Whether a sentence left Dutch is no text at all, only values (``x3 x4``)."""
    return not TOKEN.sub("", text).strip(" ,;:.()")
