# SPDX-License-Identifier: EUPL-1.2
"""Semantic checks on definitions: small registered functions that yield problems.

Structural checks (types, required fields) are done by the pydantic models; these find
what a schema cannot: references to unknown indicators or themes, a total summed with its
own parts, a published unit that disagrees with the definition, a vote count that does not
add up.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace

from veiligstad.domain.indicators import Bilingual, Catalogue, Indicator, IndicatorKind
from veiligstad.domain.programme import Programme
from veiligstad.errors import Problem

WARNING = "waarschuwing"


@dataclass(frozen=True)
class Definitions:
    """A programme with the catalogue it refers to."""

    programme: Programme
    catalogue: Catalogue
    programme_file: str = "programma"
    catalogue_file: str = "catalogus"

    def indicators(self) -> list[Indicator]:
        """All definitions in force: the catalogue, overridden by the programme's own."""
        local = {i.id: i for i in self.programme.local_indicators}
        merged = [local.pop(i.id, i) for i in self.catalogue.indicators]
        return merged + list(local.values())

    def indicator(self, indicator_id: str) -> Indicator | None:
        """One definition in force, or None."""
        return next((i for i in self.indicators() if i.id == indicator_id), None)

    def localized(self, lang: str) -> Definitions:
        """Programme and catalogue with their texts in ``lang`` (Dutch where a text has no variant)."""
        if lang != "en":
            return self
        programme, catalogue = self.programme.localized(lang), self.catalogue.localized(lang)
        return replace(self, programme=programme, catalogue=catalogue)


Check = Callable[[Definitions], Iterator[Problem]]
_CHECKS: list[Check] = []


def check(func: Check) -> Check:
    """Register a semantic check."""
    _CHECKS.append(func)
    return func


def validate(definitions: Definitions) -> list[Problem]:
    """Run every registered check; errors first, then warnings."""
    problems = [p for func in _CHECKS for p in func(definitions)]
    return sorted(problems, key=lambda p: p.severity != "fout")


def _where(defs: Definitions, indicator: Indicator) -> str:
    local = any(i.id == indicator.id for i in defs.programme.local_indicators)
    file = defs.programme_file if local else defs.catalogue_file
    return f"{file}: indicator '{indicator.id}'"


@check
def unique_ids(defs: Definitions) -> Iterator[Problem]:
    """Indicator and theme ids are unique within their file."""
    groups = {
        (defs.catalogue_file, "indicators"): [i.id for i in defs.catalogue.indicators],
        (defs.programme_file, "indicators"): [i.id for i in defs.programme.indicators],
        (defs.programme_file, "themes"): [t.id for t in defs.programme.themes],
        (defs.programme_file, "local_indicators"): [i.id for i in defs.programme.local_indicators],
    }
    for (file, field), ids in groups.items():
        for duplicate, count in Counter(ids).items():
            if count > 1:
                yield Problem(
                    "duplicate-id",
                    f"{file}: {field}",
                    f"'{duplicate}' komt {count} keer voor",
                    "geef elk item een eigen id of verwijder de dubbele",
                )


@check
def programme_references(defs: Definitions) -> Iterator[Problem]:
    """Every programme indicator has a definition and a known theme."""
    theme_ids = {t.id for t in defs.programme.themes}
    for index, item in enumerate(defs.programme.indicators):
        where = f"{defs.programme_file}: indicators[{index}]"
        if defs.indicator(item.id) is None:
            yield Problem(
                "unknown-indicator",
                f"{where}.id",
                f"indicator '{item.id}' bestaat niet in de catalogus",
                f"kies uit de catalogus ({', '.join(i.id for i in defs.indicators())}) of "
                "definieer hem onder local_indicators",
            )
        if item.theme is not None and item.theme not in theme_ids:
            yield Problem(
                "unknown-theme",
                f"{where}.theme",
                f"thema '{item.theme}' bestaat niet in dit programma",
                f"kies uit: {', '.join(sorted(theme_ids))}",
            )


@check
def programme_period(defs: Definitions) -> Iterator[Problem]:
    """The period runs forward and the baseline lies before or at its start."""
    prog = defs.programme
    if prog.period_end < prog.period_start:
        yield Problem(
            "period-reversed",
            f"{defs.programme_file}: period_end",
            f"period_end ({prog.period_end}) ligt vóór period_start ({prog.period_start})",
            "verwissel de jaren",
        )
    if prog.baseline_year > prog.period_start:
        yield Problem(
            "baseline-after-start",
            f"{defs.programme_file}: baseline_year",
            f"basisjaar {prog.baseline_year} ligt na de start van het programma",
            "kies een basisjaar vóór of gelijk aan period_start",
        )


@check
def decision_votes(defs: Definitions) -> Iterator[Problem]:
    """Published vote counts that contradict each other are surfaced, not resolved."""
    decision = defs.programme.decision
    if decision is None:
        return
    for field, side in (("votes_for", decision.votes_for), ("votes_against", decision.votes_against)):
        where = f"{defs.programme_file}: decision.{field}"
        named = len(side.members)
        if side.members and named != side.count_stated:
            yield Problem(
                "vote-count-names",
                where,
                f"de tekst noemt {side.count_stated} stemmen maar somt {named} namen op",
                "laat beide staan zoals gepubliceerd; dit is een melding",
                WARNING,
            )
        if side.total_stated is not None and side.total_stated != side.count_stated:
            yield Problem(
                "vote-count-total",
                where,
                f"de tekst noemt eerst {side.count_stated} en concludeert daarna "
                f"'{side.total_stated} stemmen'",
                "laat beide staan zoals gepubliceerd; dit is een melding",
                WARNING,
            )


@check
def published_units(defs: Definitions) -> Iterator[Problem]:
    """A published unit that differs from the definition's unit is shown."""
    for index, item in enumerate(defs.programme.indicators):
        definition = defs.indicator(item.id)
        if item.published is None or definition is None:
            continue
        if _normalise_unit(item.published.unit) != _normalise_unit(definition.unit):
            yield Problem(
                "unit-mismatch",
                f"{defs.programme_file}: indicators[{index}].published.unit",
                f"gepubliceerd '{item.published.unit}', definitie '{definition.unit}' ({item.id})",
                "vergelijk gepubliceerde en berekende waarden niet zonder de eenheid te controleren",
                WARNING,
            )


def _normalise_unit(unit: str) -> str:
    return unit.replace("–", "-").replace(" ", "").lower()


@check
def kind_fields(defs: Definitions) -> Iterator[Problem]:
    """Rates need a denominator and multiplier; surveys read one measure."""
    for indicator in defs.indicators():
        where = _where(defs, indicator)
        if indicator.kind is IndicatorKind.RATE:
            if indicator.denominator is None or indicator.per is None:
                yield Problem(
                    "rate-without-denominator",
                    f"{where}: denominator/per",
                    "een rate heeft een noemer (denominator) en een factor (per) nodig",
                    "vul bijv. 'denominator: inwoners' en 'per: 1000' in",
                )
            elif indicator.per not in (1, 10, 100, 1000, 10000, 100000):
                yield Problem(
                    "unusual-per",
                    f"{where}: per",
                    f"factor {indicator.per} is ongebruikelijk",
                    "gebruik een macht van tien, meestal 1000 of 10000",
                    WARNING,
                )
        elif indicator.denominator is not None:
            yield Problem(
                "denominator-not-used",
                f"{where}: denominator",
                f"een indicator van soort '{indicator.kind}' gebruikt geen noemer",
                "verwijder denominator of kies kind: rate",
            )
        if indicator.kind is IndicatorKind.SURVEY and len(indicator.numerator) != 1:
            yield Problem(
                "survey-sum",
                f"{where}: numerator",
                "enquêtecijfers (percentages, rapportcijfers) kun je niet optellen",
                "noem precies één measure",
            )


def _code(measure: str) -> tuple[str, str] | None:
    """Split ``misdrijven:1.2.3`` into classification and code."""
    if ":" not in measure:
        return None
    family, code = measure.split(":", 1)
    return family, code


def _is_total_of(total: str, part: str) -> bool:
    if total == "0.0.0" or total == "T001161":
        return part != total
    return part.startswith(total + ".") if "." in total else False


@check
def no_total_with_parts(defs: Definitions) -> Iterator[Problem]:
    """A numerator never sums a total with its own parts, nor two classifications."""
    for indicator in defs.indicators():
        for field in ("numerator", "fallback_numerator"):
            measures: list[str] = getattr(indicator, field)
            where = f"{_where(defs, indicator)}: {field}"
            for measure, count in Counter(measures).items():
                if count > 1:
                    yield Problem(
                        "duplicate-term",
                        where,
                        f"'{measure}' staat er {count} keer in",
                        "noem elke measure één keer",
                    )
            codes = [c for c in map(_code, measures) if c]
            families = {family for family, _ in codes}
            if {"misdrijven", "misdrijven-scm"} <= families:
                yield Problem(
                    "mixed-classification",
                    where,
                    "politiecodes (misdrijven:) en CBS-codes (misdrijven-scm:) in één som",
                    "gebruik één classificatie; zet de andere in fallback_numerator",
                )
            for family, total in codes:
                for other_family, part in codes:
                    if family == other_family and _is_total_of(total, part):
                        yield Problem(
                            "total-with-parts",
                            where,
                            f"'{family}:{total}' is een totaal en '{family}:{part}' een "
                            "onderdeel ervan: dan telt u dubbel",
                            "noem het totaal of de onderdelen, niet allebei",
                        )


@check
def english_texts(defs: Definitions) -> Iterator[Problem]:
    """Every text the public sees has an English variant (``<field>_en``) for ``?lang=en``."""
    prog = defs.programme
    fix = "vul de Engelse tekst in het veld {field}_en in (de Nederlandse tekst wordt anders getoond)"
    entries: list[tuple[str, Bilingual]] = [(defs.programme_file, prog)]
    entries += [(f"{defs.programme_file}: themes[{n}] '{t.id}'", t) for n, t in enumerate(prog.themes)]
    for n, item in enumerate(prog.indicators):
        entries.append((f"{defs.programme_file}: indicators[{n}] '{item.id}'", item))
        if item.published is not None:
            entries.append((f"{defs.programme_file}: indicators[{n}].published", item.published))
    entries += [(_where(defs, i), i) for i in defs.indicators()]
    for where, entry in entries:
        for field in entry.missing_english():
            yield Problem(
                "missing-english",
                f"{where}: {field}",
                f"geen Engelse tekst bij '{field}'",
                fix.format(field=field),
                WARNING,
            )
