# SPDX-License-Identifier: EUPL-1.2
"""Gaps that say what to do: why a figure is missing and what fills it.

A missing figure is rarely a figure that does not exist: mostly it is not loaded. For every
programme indicator this module works out which open tables (``data/sources/cbs/*.yaml``)
deliver the measures it reads — then ``veiligstad update`` fetches them — and which measures
no open table delivers — then the fill-in template (``veiligstad template``) is the way in.
The matching is the one ``veiligstad update`` plans with (``services.update.needed_tables``),
so the advice names exactly what that command would fetch.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from veiligstad.definitions.validation import Definitions
from veiligstad.domain.indicators import Indicator

IMPORT = "veiligstad import file"

#: Region levels of a table definition → the area levels they give (a stadsdeel is a set of
#: buurten, so buurt figures give stadsdeel figures too).
_LEVELS = {"GM": ("gemeente",), "WK": ("wijk",), "BU": ("buurt", "stadsdeel")}


@dataclass(frozen=True)
class Remedy:
    """What fills an indicator's missing figures."""

    indicator_id: str
    #: Open tables that deliver (some of) its measures: ``veiligstad update`` fetches them.
    tables: tuple[str, ...]
    #: Measures it needs that no open table delivers: only the template brings them in.
    unsourced: tuple[str, ...]
    #: Area levels at which the open tables publish every measure it needs (empty: unknown,
    #: e.g. no open table at all).
    levels: tuple[str, ...] = ()
    #: The area levels of each table in :attr:`tables` (same order).
    table_levels: tuple[tuple[str, ...], ...] = ()

    def published_at(self, level: str) -> bool:
        """Whether the open tables publish the indicator's figures per ``level``.

        An indicator without open tables (only the template) is never "not published": the
        gemeente's own file can have any level.
        """
        return not self.tables or self.unsourced != () or level in self.levels

    @property
    def fetchable(self) -> bool:
        """Whether ``veiligstad update`` can bring everything the indicator needs."""
        return bool(self.tables) and not self.unsourced

    def advice(self) -> str:
        """For analysts: the command that fills the gap, in plain Dutch.

        >>> text = Remedy("winkeldiefstallen", ("47018NED", "47022NED", "84286NED"), ()).advice()
        >>> print(text)  # doctest: +NORMALIZE_WHITESPACE
        Nog niet geladen: `veiligstad update` haalt dit op (47018NED, 47022NED, 84286NED);
        zonder netwerk: `veiligstad template winkeldiefstallen` invullen en laden met
        `veiligstad import file`.
        >>> halt = Remedy("halt-verwijzingen", (), ("halt:verwijzingen",))
        >>> print(halt.advice())  # doctest: +NORMALIZE_WHITESPACE
        Geen open bron die veiligstad zelf ophaalt: `veiligstad template halt-verwijzingen`
        invullen en laden met `veiligstad import file`.
        """
        template = f"`veiligstad template {self.indicator_id}` invullen en laden met `{IMPORT}`."
        if self.fetchable:
            fetch = f"`veiligstad update` haalt dit op ({_listed(self.tables)})"
            return f"Nog niet geladen: {fetch}; zonder netwerk: {template}"
        return f"Geen open bron die veiligstad zelf ophaalt: {template}"

    def advice_at(self, level: str) -> str:
        """:meth:`advice` for figures per area level: "de bron publiceert dit niet" where the open
        tables have no figures at that level (a fetch would not fill it), else :meth:`advice`.

        >>> levels = (("gemeente",), ("gemeente", "wijk", "buurt", "stadsdeel"))
        >>> crime = Remedy("geweldsmisdrijven", ("83648NED", "85984NED"), (), ("gemeente",), levels)
        >>> print(crime.advice_at("buurt"))  # doctest: +NORMALIZE_WHITESPACE
        De bron publiceert dit niet per buurt (83648NED: alleen per gemeente); eigen
        cijfers per buurt: `veiligstad template geweldsmisdrijven` invullen en laden met
        `veiligstad import file`.
        >>> crime.advice_at("gemeente").startswith("Nog niet geladen")
        True
        """
        if self.published_at(level):
            return self.advice()
        lacking = tuple(t for t, lv in zip(self.tables, self.table_levels, strict=False) if level not in lv)
        only = f"alleen per {' en '.join(self.levels)}" if self.levels else "niet op één niveau samen"
        return (
            f"De bron publiceert dit niet per {level} ({_listed(lacking or self.tables)}: {only}); "
            f"eigen cijfers per {level}: `veiligstad template {self.indicator_id}` invullen en laden "
            f"met `{IMPORT}`."
        )

    def public_at(self, level: str) -> str:
        """:meth:`public` for figures per area level, without commands.

        >>> Remedy("geweldsmisdrijven", ("83648NED",), (), ("gemeente",)).public_at("wijk")
        'De bron publiceert dit niet per wijk.'
        """
        if self.published_at(level):
            return self.public()
        return f"De bron publiceert dit niet per {level}."

    def fill_at(self, level: str) -> str:
        """For residents: what fills the figures per ``level``, without commands.

        >>> Remedy("geweldsmisdrijven", ("83648NED",), (), ("gemeente",)).fill_at("wijk")
        'Eigen cijfers per wijk kunnen erin met het invulsjabloon.'
        >>> Remedy("winkeldiefstallen", ("47018NED",), (), ("gemeente", "buurt")).fill_at("buurt")
        'De beheerder haalt ze op uit de open bron.'
        """
        if not self.published_at(level):
            return f"Eigen cijfers per {level} kunnen erin met het invulsjabloon."
        if self.fetchable:
            return "De beheerder haalt ze op uit de open bron."
        return "Ze komen erin met het invulsjabloon."

    def public(self) -> str:
        """For residents: why there is no newer figure, without commands.

        >>> Remedy("winkeldiefstallen", ("47018NED",), ()).public()
        'Nieuwere cijfers zijn gepubliceerd, maar staan nog niet in deze monitor.'
        """
        if self.fetchable:
            return "Nieuwere cijfers zijn gepubliceerd, maar staan nog niet in deze monitor."
        return "De gemeente heeft nog geen nieuwer cijfer in deze monitor gezet."


def _listed(tables: tuple[str, ...], shown: int = 2) -> str:
    """``47018NED, 47022NED en 7 andere tabellen``.

    >>> _listed(("A", "B", "C", "D")), _listed(("A", "B"))
    ('A, B en 2 andere tabellen', 'A, B')
    """
    if len(tables) <= shown + 1:
        return ", ".join(tables)
    return f"{', '.join(tables[:shown])} en {len(tables) - shown} andere tabellen"


def remedies(definitions: Definitions) -> dict[str, Remedy]:
    """The remedy of every programme indicator, by indicator id."""
    from veiligstad.services import update  # the OData client (httpx) only where a status is made

    needs, missing = update.needed_tables(definitions)
    out = {}
    for item in definitions.programme.indicators:
        indicator = definitions.indicator(item.id)
        if indicator is None:
            continue
        mine = [n for n in needs if indicator.id in n.indicators]
        tables = tuple(n.definition.table_id for n in mine)
        out[indicator.id] = Remedy(
            indicator.id,
            tables,
            _unsourced(indicator, missing),
            _published_levels(indicator, mine),
            tuple(_table_levels(n.definition.region_levels) for n in mine),
        )
    return out


def _table_levels(codes: tuple[str, ...]) -> tuple[str, ...]:
    """``("GM", "BU")`` → ``("gemeente", "buurt", "stadsdeel")``."""
    return tuple(level for code in codes for level in _LEVELS.get(code, ()))


def _published_levels(indicator: Indicator, needs: list[Any]) -> tuple[str, ...]:
    """Area levels at which some open table delivers each needed measure (numerator, denominator)."""
    needed = [*indicator.numerator, *([indicator.denominator] if indicator.denominator else [])]
    found: set[str] | None = None
    for measure in needed:
        levels = {
            level
            for need in needs
            if measure in need.measures
            for level in _table_levels(need.definition.region_levels)
        }
        found = levels if found is None else found & levels
    order = ("gemeente", "stadsdeel", "wijk", "buurt")
    return tuple(level for level in order if level in (found or set()))


def _unsourced(indicator: Indicator, missing: dict[str, list[str]]) -> tuple[str, ...]:
    """Needed measures (numerator, denominator; not the fallbacks) that no open table delivers."""
    needed = [*indicator.numerator, *([indicator.denominator] if indicator.denominator else [])]
    return tuple(m for m in needed if indicator.id in missing.get(m, []))


@dataclass(frozen=True)
class LevelGap:
    """Why an indicator has no figures per area level, and what fills them."""

    level: str
    #: For residents: why (:func:`missing_at`): never "does not exist" when it is only not loaded.
    why: str
    #: For residents: what fills it, without commands (:meth:`Remedy.fill_at`).
    fill: str
    #: For analysts: the commands (:meth:`Remedy.advice_at`).
    advice: str


def _remedies(memo: dict[Any, Any], definitions: Definitions) -> dict[str, Remedy]:
    """:func:`remedies`, once per ``memo`` (a snapshot's)."""
    key = ("gaps", "remedies")
    if key not in memo:
        memo[key] = remedies(definitions)
    found: dict[str, Remedy] = memo[key]
    return found


def gap_at(memo: dict[Any, Any], definitions: Definitions, indicator_id: str, level: str) -> LevelGap | None:
    """The gap of a programme indicator at ``level`` (None: not a programme indicator)."""
    remedy = _remedies(memo, definitions).get(indicator_id)
    if remedy is None:
        return None
    why = missing_at(memo, definitions, indicator_id, level)
    return LevelGap(level, why, remedy.fill_at(level), remedy.advice_at(level))


def missing_at(memo: dict[Any, Any], definitions: Definitions, indicator_id: str, level: str) -> str:
    """For residents: why an indicator has no figures per ``level`` (hotspots, indicator and area
    pages, and the API).

    The source does not publish them at that level, or they are published but not loaded, or
    only the gemeente's own file brings them. The remedies are kept in ``memo`` (a snapshot's).
    """
    remedy = _remedies(memo, definitions).get(indicator_id)
    if remedy is None:
        return ""
    if not remedy.published_at(level):
        return remedy.public_at(level)
    if remedy.fetchable:
        return "De bron publiceert dit wel, maar deze cijfers staan nog niet in deze monitor."
    return "De gemeente heeft deze cijfers per gebied nog niet in deze monitor gezet."
