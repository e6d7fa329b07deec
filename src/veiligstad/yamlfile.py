# SPDX-License-Identifier: EUPL-1.2
"""YAML from files people hand in, read with limits: size, aliases, expansion and nesting.

``yaml.safe_load`` refuses code, but not a small file that grows huge: nine anchors that
each repeat the one before nine times ("billion laughs") expand to 387 million items the
moment anything walks the data, and ``[[[[…`` nested a hundred thousand levels deep ends
in a RecursionError. :class:`SafeLoader` counts while it composes and stops early:

>>> safe_load("a: &x [1, 2]\\nb: *x")
{'a': [1, 2], 'b': [1, 2]}
>>> laughs = "a: &a [x, x, x, x, x, x, x, x, x]\\n" + "".join(
...     f"{c}: &{c} [*{p}, *{p}, *{p}, *{p}, *{p}, *{p}, *{p}, *{p}, *{p}]\\n"
...     for p, c in zip("abcdefgh", "bcdefghi"))
>>> safe_load(laughs)
Traceback (most recent call last):
...
veiligstad.yamlfile.YamlLimitError: het bestand groeit door aliassen uit tot meer dan 100.000 waarden
>>> safe_load("[" * 60 + "]" * 60)
Traceback (most recent call last):
...
veiligstad.yamlfile.YamlLimitError: het bestand is dieper genest dan 50 niveaus

The errors are :class:`yaml.YAMLError` subclasses, so every reader that already turns
malformed YAML into its own Dutch error (DataError, DefinitionError, ConfigError) reports
these too; ``hint`` says what to do.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

#: Largest YAML file read (bytes of text).
MAX_BYTES = 5 * 1024 * 1024
#: Most aliases (``*name``) in one file.
MAX_ALIASES = 100
#: Most values (scalars, lists and mappings) in one file, with every alias counted as the
#: values it stands for.
MAX_NODES = 100_000
#: Deepest nesting of lists and mappings.
MAX_DEPTH = 50


class YamlLimitError(yaml.YAMLError):
    """A YAML file over one of the limits; the message is Dutch, ``hint`` says what to do."""

    def __init__(self, message: str, hint: str) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def __str__(self) -> str:
        return self.message


_HINT = (
    "Schrijf de waarden uit in plaats van ze via ankers (&) en verwijzingen (*) te herhalen, "
    "en houd het bestand vlak; een gewoon programma-, acties- of bronnenbestand blijft ruim "
    "binnen deze grens."
)


def _number(value: int) -> str:
    return f"{value:,}".replace(",", ".")


class SafeLoader(yaml.SafeLoader):
    """``yaml.SafeLoader`` that refuses too many aliases, too large an expansion or deep nesting.

    Subclass it to change other behaviour (see ``services.documents``); the limits are class
    attributes.
    """

    max_aliases = MAX_ALIASES
    max_nodes = MAX_NODES
    max_depth = MAX_DEPTH

    def __init__(self, stream: Any) -> None:
        super().__init__(stream)
        self._aliases = 0
        self._depth = 0
        self._sizes: dict[int, int] = {}

    def compose_node(self, parent: Any, index: Any) -> Any:
        if self.check_event(yaml.AliasEvent):
            self._aliases += 1
            if self._aliases > self.max_aliases:
                raise YamlLimitError(
                    f"het bestand gebruikt meer dan {_number(self.max_aliases)} verwijzingen (aliassen)",
                    _HINT,
                )
            return super().compose_node(parent, index)
        self._depth += 1
        if self._depth > self.max_depth:
            raise YamlLimitError(f"het bestand is dieper genest dan {_number(self.max_depth)} niveaus", _HINT)
        try:
            node = super().compose_node(parent, index)
        finally:
            self._depth -= 1
        size = 1 + sum((self._sizes.get(id(child), 1) for child in _children(node)), 0)
        self._sizes[id(node)] = size
        if size > self.max_nodes:
            raise YamlLimitError(
                f"het bestand groeit door aliassen uit tot meer dan {_number(self.max_nodes)} waarden",
                _HINT,
            )
        return node


def _children(node: yaml.Node | None) -> list[yaml.Node]:
    if isinstance(node, yaml.SequenceNode):
        return list(node.value)
    if isinstance(node, yaml.MappingNode):
        return [part for pair in node.value for part in pair]
    return []


def _too_large(max_bytes: int) -> YamlLimitError:
    return YamlLimitError(
        f"het bestand is groter dan {_number(max_bytes // 1024)} kB",
        "Splits het bestand; een gewoon programma-, acties- of bronnenbestand is veel kleiner.",
    )


def safe_load(text: str, loader: type[SafeLoader] = SafeLoader, *, max_bytes: int = MAX_BYTES) -> Any:
    """Parse YAML text within the limits; raises :class:`yaml.YAMLError` (or YamlLimitError)."""
    if len(text) > max_bytes:
        raise _too_large(max_bytes)
    return yaml.load(text, Loader=loader)


def read(path: Path, loader: type[SafeLoader] = SafeLoader, *, max_bytes: int = MAX_BYTES) -> Any:
    """Read and parse a UTF-8 YAML file within the limits; a file over ``max_bytes`` is not read.

    Raises OSError, UnicodeDecodeError or yaml.YAMLError like ``yaml.safe_load(path.read_text())``.
    """
    if path.stat().st_size > max_bytes * 4:  # four bytes at most per character
        raise _too_large(max_bytes)
    return safe_load(path.read_text(encoding="utf-8"), loader, max_bytes=max_bytes)
