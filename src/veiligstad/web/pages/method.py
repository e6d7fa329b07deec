# SPDX-License-Identifier: EUPL-1.2
"""Methode: the programme, every indicator definition and every method, in plain Dutch.

Generated, not written by hand: the programme and indicator texts come from the definition
files, and every number a method depends on (significance level, minimum points,
permutations, seeds, thresholds) is imported from the module that uses it. When the code or
a definition changes, the page changes with it.
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable
from dataclasses import dataclass
from types import ModuleType

import pandas as pd
from fastapi import APIRouter, Request, Response

from veiligstad.definitions.validation import Definitions, validate
from veiligstad.domain.indicators import Direction, Indicator, IndicatorKind
from veiligstad.domain.programme import ProgrammeIndicator, Theme, VoteSide
from veiligstad.engine import compute, disclosure, rollup
from veiligstad.engine import dispersion as disp
from veiligstad.engine import funnel as funnels
from veiligstad.engine import significance as sig
from veiligstad.engine import trends as trend_engine
from veiligstad.engine.compstat import TITLES as COMPSTAT_TITLES
from veiligstad.engine.intervals import poisson_interval
from veiligstad.errors import Problem
from veiligstad.services import divergence, monitor
from veiligstad.services import trends as trend_service
from veiligstad.services.snapshot import Snapshot
from veiligstad.spatial import emerging
from veiligstad.web.templating import render

router = APIRouter(include_in_schema=False)

KIND_LABELS = {
    IndicatorKind.RATE: "verhoudingsgetal (aantal per bevolkingsgroep)",
    IndicatorKind.COUNT: "aantal",
    IndicatorKind.SURVEY: "enquêtecijfer",
}
DIRECTION_LABELS = {
    Direction.LOWER_IS_BETTER: "lager is beter",
    Direction.HIGHER_IS_BETTER: "hoger is beter",
}
#: Measure family (before the first colon) → what kind of code it is.
MEASURE_FAMILIES = {
    "misdrijven": "politiecode",
    "misdrijven-scm": "CBS-code (SCM)",
    "overlast": "overlastregistratie politie",
    "halt": "Halt",
    "vm": "Veiligheidsmonitor",
    "iva": "categorie Integrale Veiligheidsanalyse",
}
SIGNAL_MEANINGS = {
    sig.Signal.ROSE: "de stijging is groter dan de gewone schommeling van jaar tot jaar; toeval is "
    "als verklaring onwaarschijnlijk",
    sig.Signal.FELL: "de daling is groter dan de gewone schommeling van jaar tot jaar; toeval is "
    "als verklaring onwaarschijnlijk",
    sig.Signal.NO_CHANGE: "het verschil past binnen de gewone schommeling van jaar tot jaar en kan "
    "dus goed toeval zijn",
    sig.Signal.TOO_LITTLE: "er valt niets te toetsen: een waarde, telling of marge ontbreekt, de reeks "
    "is te kort, of het gebied is tussen de twee jaren van grens veranderd",
}
#: The labels of an area against its parent or the country, in one sentence each.
AREA_MEANINGS = {
    "significant hoger": "het gebied ligt hoger dan je op grond van de gewone verschillen tussen "
    "gebieden zou verwachten",
    "significant lager": "het gebied ligt lager dan je op grond van de gewone verschillen tussen "
    "gebieden zou verwachten",
    "geen significant verschil": "het verschil past binnen de gewone verschillen tussen gebieden",
}
RECONCILIATION_MEANINGS = {
    monitor.MATCH: "het verschil is niet groter dan de afronding van het gepubliceerde getal",
    monitor.DIFFERS: "het verschil is groter dan de afronding: bekijk bron en definitie",
    monitor.PUBLISHED_ONLY: "alleen het programma noemt een waarde; veiligstad kan hem (nog) niet berekenen",
    monitor.COMPUTED_ONLY: "alleen berekend; het programma noemt voor dit jaar geen waarde",
    monitor.NO_MEASUREMENT_LABEL: "het programma meldt 'GM': geen meting dat jaar, nooit nul",
}

DIVERGENCE_MEANINGS = {
    divergence.CRIME_DOWN_FEELING_WORSE: "de criminaliteit is significant gedaald, maar mensen voelen zich "
    "minder veilig (meer mensen voelen zich onveilig, of het rapportcijfer is lager)",
    divergence.CRIME_UP_FEELING_BETTER: "het omgekeerde: de criminaliteit is significant gestegen, maar "
    "mensen voelen zich veiliger",
    divergence.NO_CONFLICT: "beide gaan dezelfde kant op, of de criminaliteit is niet significant veranderd",
    divergence.TOO_LITTLE: "de verandering in criminaliteit is niet te toetsen",
}


@dataclass(frozen=True)
class Constant:
    """A number a method depends on, as the code defines it."""

    key: str
    label: str
    value: float | int | str
    where: str
    decimals: int = 0
    plain: bool = False  # shown as written (seeds), not as a quantity


#: Key of a fixed number → what it is, in Dutch.
CONSTANT_LABELS = {
    "alpha": "significantieniveau van elke toets",
    "interval": "betrouwbaarheid van de intervallen",
    "min_points": "minimum aantal meetpunten voor een trendtoets",
    "min_years": "minimum aantal andere jaren om φ uit de eigen reeks te schatten",
    "min_pooled": "minimum aantal gebieden met een eigen φ voor een gepoolde φ",
    "funnel_min_areas": "minimum aantal gebieden voor trechtergrenzen met overdispersie",
    "winsor": "deel van de z-scores dat aan elke kant wordt afgetopt (winsorisatie)",
    "months_per_year": "maanden nodig om een jaar op te tellen",
    "country_coverage": "deel van de gemeenten nodig voor een landelijk totaal",
    "default_threshold": "standaardgrens voor afscherming",
    "permutations": "permutaties voor Gi* en lokale Moran's I",
    "seed": "vaste startwaarde (seed) voor hotspots",
    "lisa_alpha": "FDR-niveau voor clusters van lokale Moran's I",
    "min_population": "minimum aantal inwoners voor een betrouwbaar cijfer per inwoner",
    "min_areas": "minimum aantal gebieden voor Gi*, lokale Moran's I en opkomende hotspots",
    "min_residents": "minder inwoners: niet-woongebied, weggelaten bij cijfers per inwoner",
    "emerging_min_steps": "minimum aantal perioden voor opkomende hotspots",
    "emerging_alpha": "significantieniveau per periode (opkomende hotspots)",
    "emerging_mk_alpha": "significantieniveau van de trend (opkomende hotspots)",
    "emerging_permutations": "permutaties (opkomende hotspots)",
    "emerging_seed": "vaste startwaarde (seed) voor opkomende hotspots",
    "time_lag": "aantal eerdere perioden in de buurt in de tijd (opkomende hotspots)",
    "threshold": "afschermingsgrens op deze site",
}


def _constant(key: str, value: float | str, where: str, decimals: int = 0, plain: bool = False) -> Constant:
    return Constant(key, CONSTANT_LABELS[key], value, where.removeprefix("veiligstad."), decimals, plain)


def _attribute(key: str, module: ModuleType, name: str, decimals: int = 0, plain: bool = False) -> Constant:
    return _constant(key, getattr(module, name), f"{module.__name__}.{name}", decimals, plain)


def _default(key: str, func: Callable[..., object], parameter: str, decimals: int = 0) -> Constant:
    value = inspect.signature(func).parameters[parameter].default
    return _constant(key, value, f"{func.__module__}.{func.__name__}({parameter})", decimals)


@functools.cache
def analysis_constants() -> tuple[Constant, ...]:
    """The fixed numbers of the methods, read from the modules that use them.

    The hotspot modules import PySAL (seconds), so they are imported here, on first use.
    """
    from veiligstad.services import hotspots as hotspot_service
    from veiligstad.spatial import hotspots as spatial
    from veiligstad.spatial import labels as spatial_labels

    return (
        _attribute("alpha", sig, "ALPHA", 2),
        _default("interval", poisson_interval, "level", 2),
        _attribute("min_points", trend_engine, "MIN_POINTS"),
        _attribute("min_years", disp, "MIN_YEARS"),
        _attribute("min_pooled", disp, "MIN_POOLED"),
        _attribute("funnel_min_areas", funnels, "MIN_AREAS"),
        _attribute("winsor", funnels, "WINSOR", 2),
        _attribute("months_per_year", rollup, "MONTHS_PER_YEAR"),
        _attribute("country_coverage", compute, "COUNTRY_COVERAGE", 2),
        _attribute("default_threshold", disclosure, "DEFAULT_THRESHOLD"),
        _attribute("permutations", spatial, "DEFAULT_PERMUTATIONS"),
        _attribute("seed", spatial, "DEFAULT_SEED", plain=True),
        _attribute("lisa_alpha", hotspot_service, "LISA_ALPHA", 2),
        _attribute("min_population", hotspot_service, "DEFAULT_MIN_POPULATION"),
        _attribute("min_areas", spatial_labels, "MIN_AREAS"),
        _attribute("min_residents", spatial_labels, "MIN_RESIDENTS"),
        _attribute("emerging_min_steps", emerging, "MIN_STEPS"),
        _attribute("emerging_alpha", emerging, "ALPHA", 2),
        _attribute("emerging_mk_alpha", emerging, "MK_ALPHA", 2),
        _attribute("emerging_permutations", emerging, "PERMUTATIONS"),
        _attribute("emerging_seed", emerging, "SEED", plain=True),
        _default("time_lag", emerging.emerging_hotspots, "time_lag"),
    )


@functools.cache
def hotspot_terms() -> dict[str, object]:
    """Labels and levels of the hotspot analysis, as the hotspot modules define them."""
    from veiligstad.services import hotspots as hotspot_service
    from veiligstad.spatial import hotspots as spatial

    return {
        "levels": spatial.LEVELS,
        "quadrants": list(spatial.QUADRANTS.values()),
        "not_significant": spatial.NOT_SIGNIFICANT,
        "not_analysed": hotspot_service.NOT_ANALYSED,
        "explanation": hotspot_service.EXPLANATION,
    }


def constants(threshold: int) -> list[Constant]:
    """The fixed numbers plus this site's disclosure threshold (a setting)."""
    return [*analysis_constants(), _constant("threshold", threshold, "VEILIGSTAD_DISCLOSURE_THRESHOLD")]


def constants_table(items: list[Constant]) -> pd.DataFrame:
    """The fixed numbers (download)."""
    return pd.DataFrame(
        [{"sleutel": c.key, "omschrijving": c.label, "waarde": c.value, "in_code": c.where} for c in items]
    )


@dataclass(frozen=True)
class Term:
    """One measure of a numerator: its code and what kind of code it is."""

    measure: str
    family: str


def terms(measures: list[str]) -> list[Term]:
    """``misdrijven:1.1.1`` → ``Term("misdrijven:1.1.1", "politiecode")``."""
    return [Term(m, MEASURE_FAMILIES.get(m.split(":", 1)[0], "")) for m in measures]


@dataclass(frozen=True)
class IndicatorEntry:
    """One indicator as the page describes it: definition, programme use, unit check."""

    indicator: Indicator
    item: ProgrammeIndicator | None
    theme: Theme | None
    unit_mismatch: bool

    @property
    def anchor(self) -> str:
        """The id of its section: ``indicator-<id>``."""
        return f"indicator-{self.indicator.id}"

    @property
    def numerator(self) -> list[Term]:
        """The numerator's codes."""
        return terms(self.indicator.numerator)

    @property
    def fallback(self) -> list[Term]:
        """The fallback numerator's codes."""
        return terms(self.indicator.fallback_numerator)


def problems(snapshot: Snapshot) -> list[Problem]:
    """The definitions' warnings (vote counts, units), computed once per snapshot."""
    key = ("method", "problems")
    if key not in snapshot.memo:
        snapshot.memo[key] = validate(snapshot.definitions)
    found: list[Problem] = snapshot.memo[key]
    return found


def _has(found: list[Problem], code: str, location_end: str) -> bool:
    return any(p.code == code and p.location.endswith(location_end) for p in found)


def indicator_entries(definitions: Definitions, found: list[Problem]) -> list[IndicatorEntry]:
    """Programme indicators in programme order, then the rest of the catalogue."""
    programme = definitions.programme
    entries = []
    for index, item in enumerate(programme.indicators):
        indicator = definitions.indicator(item.id)
        if indicator is None:
            continue
        mismatch = _has(found, "unit-mismatch", f"indicators[{index}].published.unit")
        theme = programme.theme(item.theme) if item.theme else None
        entries.append(IndicatorEntry(indicator, item, theme, mismatch))
    listed = {e.indicator.id for e in entries}
    entries += [IndicatorEntry(i, None, None, False) for i in definitions.indicators() if i.id not in listed]
    return entries


def indicators_table(entries: list[IndicatorEntry]) -> pd.DataFrame:
    """Every indicator definition in force (download)."""
    rows = []
    for entry in entries:
        i, item = entry.indicator, entry.item
        published = item.published if item else None
        rows.append(
            {
                "indicator_id": i.id,
                "naam": i.name,
                "naam_en": i.name_en,
                "in_programma": item is not None,
                "thema": entry.theme.name if entry.theme else "",
                "omschrijving": i.description,
                "soort": i.kind.value,
                "eenheid": i.unit,
                "teller": " + ".join(i.numerator),
                "terugval_teller": " + ".join(i.fallback_numerator),
                "noemer": i.denominator or "",
                "per": i.per,
                "tolerantie_noemer_jaren": i.denominator_tolerance_years,
                "marge_ondergrens": i.margin_lower or "",
                "marge_bovengrens": i.margin_upper or "",
                "decimalen": i.decimals,
                "richting": i.direction.value,
                "haaldelict": i.haaldelict,
                "bron": i.source,
                "officiele_definitie": i.definition_source,
                "toelichting": i.notes,
                "gepubliceerde_eenheid": published.unit if published else "",
                "eenheid_wijkt_af": entry.unit_mismatch,
                "gepubliceerd_in": published.source if published else "",
            }
        )
    return pd.DataFrame(rows)


@dataclass(frozen=True)
class VoteCheck:
    """One side of the council vote as published, with where the text contradicts itself."""

    side: str
    vote: VoteSide
    names_differ: bool
    total_differs: bool


def vote_checks(snapshot: Snapshot, found: list[Problem]) -> list[VoteCheck]:
    """Votes for and against, with the validation's warnings."""
    decision = snapshot.definitions.programme.decision
    if decision is None:
        return []
    sides = (("voor", "votes_for", decision.votes_for), ("tegen", "votes_against", decision.votes_against))
    return [
        VoteCheck(
            label,
            vote,
            _has(found, "vote-count-names", f"decision.{field}"),
            _has(found, "vote-count-total", f"decision.{field}"),
        )
        for label, field, vote in sides
    ]


@functools.cache
def small_count_example() -> sig.Comparison:
    """From 2 to 4 in the same population (+100%): what the test says (φ = 1, mid-p)."""
    return sig.compare_counts(2, 1, 4, 1, disp.POISSON)


@functools.cache
def interval_examples() -> list[tuple[int, float, float]]:
    """The 95% interval of a few counts."""
    counts = [0, 3, 10, 100]
    low, high = poisson_interval(counts)
    return [(k, float(lo), float(hi)) for k, lo, hi in zip(counts, low, high, strict=True)]


@dataclass(frozen=True)
class CityExample:
    """The municipality's last two years of registered crime, tested as on every page."""

    indicator: Indicator
    area_name: str
    years: tuple[int, int]
    counts: tuple[float, float]
    populations: tuple[float, float]
    comparison: sig.Comparison
    poisson: sig.Comparison  # the same pair as if there were no extra variation (φ = 1)


def city_example(snapshot: Snapshot) -> CityExample | None:
    """A real example for the significance section (public figures only), once per snapshot."""
    key = ("method", "city-example")
    if key not in snapshot.memo:
        snapshot.memo[key] = _city_example(snapshot)
    example: CityExample | None = snapshot.memo[key]
    return example


def _city_example(snapshot: Snapshot) -> CityExample | None:
    indicator = snapshot.indicator(divergence.CRIME_INDICATORS[0])
    if indicator is None or indicator.kind is not IndicatorKind.RATE:
        return None
    frame = snapshot.public_values
    rows = frame[
        (frame["indicator_id"] == indicator.id)
        & (frame["area_code"] == snapshot.municipality)
        & frame["period"].str.fullmatch(r"\d{4}")
        & frame["numerator"].notna()
        & frame["denominator"].notna()
        & ~frame["provisional"].astype(bool)
    ].sort_values("year")
    if len(rows) < 2:
        return None
    before, after = rows.iloc[-2], rows.iloc[-1]
    counts = (float(before["numerator"]), float(after["numerator"]))
    populations = (float(before["denominator"]), float(after["denominator"]))
    report = trend_service.report_from_values(frame, indicator, snapshot.municipality)
    label = str(after["period"])
    tested = next((c.comparison for c in report.changes if c.after.label == label), None)
    poisson = sig.compare_counts(counts[0], populations[0], counts[1], populations[1], disp.POISSON)
    return CityExample(
        indicator=indicator,
        area_name=str(after["area_name"]),
        years=(int(before["year"]), int(after["year"])),
        counts=counts,
        populations=populations,
        comparison=tested or poisson,
        poisson=poisson,
    )


#: The emerging-hotspot rules in the order ``spatial.emerging.classify`` applies them.
EMERGING_ORDER = (
    "intensifying",
    "diminishing",
    "persistent",
    "oscillating",
    "new",
    "consecutive",
    "sporadic",
)
EMERGING_LAST = "historical"


def emerging_rows() -> list[tuple[str, emerging.Category | None, emerging.Category]]:
    """(rule, hot category, cold category) in order of evaluation; no pattern last."""
    rows: list[tuple[str, emerging.Category | None, emerging.Category]] = []
    for rule in (*EMERGING_ORDER, EMERGING_LAST):
        hot = emerging.Category[f"{rule.upper()}_HOTSPOT"]
        rows.append((rule, hot, emerging.Category[f"{rule.upper()}_COLDSPOT"]))
    rows.append(("no_pattern", None, emerging.Category.NO_PATTERN))
    return rows


def divergence_pairs(definitions: Definitions) -> list[tuple[Indicator, Indicator]]:
    """The registered-crime × feeling-of-safety pairs the divergence service compares."""
    crimes = [definitions.indicator(i) for i in divergence.CRIME_INDICATORS]
    feelings = [definitions.indicator(i) for i in divergence.FEELING_INDICATORS]
    return [(c, f) for c in crimes if c is not None for f in feelings if f is not None]


@router.get("/methode")
def method_page(request: Request) -> Response:
    """The programme, the indicator definitions and every method, with the code's numbers."""
    snapshot: Snapshot = request.app.state.cache.get()
    definitions = snapshot.definitions
    found = problems(snapshot)
    entries = indicator_entries(definitions, found)
    items = constants(snapshot.threshold)
    return render(
        request,
        "method/page.html",
        title="Methode",
        stem="methode",
        tables={
            "indicatoren": lambda: indicators_table(entries),
            "vaste-waarden": lambda: constants_table(items),
        },
        entries=entries,
        by_theme={
            t.id: [e for e in entries if e.theme and e.theme.id == t.id] for t in definitions.programme.themes
        },
        votes=vote_checks(snapshot, found),
        constants=items,
        facts={c.key: c.value for c in items},
        KIND_LABELS=KIND_LABELS,
        DIRECTION_LABELS=DIRECTION_LABELS,
        SIGNAL_MEANINGS=SIGNAL_MEANINGS,
        AREA_MEANINGS=AREA_MEANINGS,
        FUNNEL_METHOD=funnels.METHOD,
        QUASI_METHOD=sig.METHOD_QUASI,
        RECONCILIATION_MEANINGS=RECONCILIATION_MEANINGS,
        COMPSTAT_TITLES=COMPSTAT_TITLES,
        small=small_count_example(),
        intervals=interval_examples(),
        city=city_example(snapshot),
        emerging_rows=emerging_rows(),
        divergence_pairs=divergence_pairs(definitions),
        DIVERGENCE_MEANINGS=DIVERGENCE_MEANINGS,
        hotspot=hotspot_terms(),
    )
