# SPDX-License-Identifier: EUPL-1.2
"""Indicator values with intervals, published values and reconciliation; programme status."""

from __future__ import annotations

import itertools
import math
import operator
from dataclasses import dataclass, replace
from decimal import Decimal
from pathlib import Path

import numpy as np
import pandas as pd

from veiligstad.definitions.loader import load_catalogue, load_programme
from veiligstad.definitions.validation import Definitions, validate
from veiligstad.domain.indicators import Direction, Indicator, IndicatorKind
from veiligstad.domain.programme import NO_MEASUREMENT, Programme
from veiligstad.engine import dispersion as disp
from veiligstad.engine import territory
from veiligstad.engine.compute import REASONS, add_intervals, compute
from veiligstad.engine.significance import Comparison, Signal, compare_counts, compare_estimates
from veiligstad.engine.trends import Point, change_dispersion, series_dispersion
from veiligstad.errors import DefinitionError
from veiligstad.services import gaps
from veiligstad.services.gaps import Remedy
from veiligstad.sources.mergers import embedded_mergers
from veiligstad.storage.warehouse import Warehouse

#: Reconciliation labels (published vs computed).
MATCH = "overeenkomend"
DIFFERS = "verschil groter dan afronding"
PUBLISHED_ONLY = "alleen gepubliceerd"
COMPUTED_ONLY = "alleen berekend"
NO_MEASUREMENT_LABEL = "geen meting (GM)"
#: Why a figure is missing when no source row exists: not loaded (which need not mean unpublished).
NOT_LOADED = "geen brongegevens geladen"

EXPORT_COLUMNS = [
    "indicator_id",
    "area_code",
    "area_name",
    "level",
    "period",
    "value",
    "numerator",
    "denominator",
    "unit",
    "ci_low",
    "ci_high",
    "published_value",
    "published_unit",
    "reconciliation",
    "difference",
    "denominator_year",
    "approximate",
    "provisional",
    "territory_break",
    "numerator_source",
    "reason",
]


def load_definitions(programme: Path | None = None, catalogue: Path | None = None) -> Definitions:
    """Load and check the programme and catalogue; raise on errors, keep warnings."""
    prog = load_programme(programme)
    cat = load_catalogue(catalogue)
    definitions = Definitions(
        prog,
        cat,
        programme_file=programme.name if programme else "maastricht-2023-2026.yaml",
        catalogue_file=catalogue.name if catalogue else "indicators.yaml",
    )
    errors = [p for p in validate(definitions) if p.severity == "fout"]
    if errors:
        raise DefinitionError("De definities bevatten fouten.", errors)
    return definitions


def _decimals(value: float | int) -> int:
    if isinstance(value, int):
        return 0
    exponent = Decimal(repr(value)).as_tuple().exponent
    return max(0, -exponent) if isinstance(exponent, int) else 0


def published_frame(programme: Programme) -> pd.DataFrame:
    """The programme's published values, one row per indicator and year."""
    rows = []
    for item in programme.indicators:
        if item.published is None:
            continue
        for year, value in item.published.values.items():
            measured = not isinstance(value, str)  # "GM": geen meting, never zero
            number = float(value) if not isinstance(value, str) else np.nan
            # Half a unit of the last published digit: the rounding of the publication.
            tolerance = 0.5 * 10 ** -_decimals(value) if not isinstance(value, str) else np.nan
            rows.append(
                {
                    "indicator_id": item.id,
                    "area_code": programme.municipality,
                    "period": str(year),
                    "published_value": number,
                    "published_status": "gemeten" if measured else NO_MEASUREMENT,
                    "published_tolerance": tolerance,
                    "published_unit": item.published.unit,
                }
            )
    columns = [
        "indicator_id",
        "area_code",
        "period",
        "published_value",
        "published_status",
        "published_tolerance",
        "published_unit",
    ]
    return pd.DataFrame(rows, columns=columns)


def _reconcile(frame: pd.DataFrame) -> pd.DataFrame:
    has_value = frame["value"].notna()
    has_published = frame["published_value"].notna()
    frame["difference"] = (frame["value"] - frame["published_value"]).where(has_value & has_published)
    labels = np.select(
        [
            frame["published_status"] == NO_MEASUREMENT,
            has_value & has_published & (frame["difference"].abs() <= frame["published_tolerance"] + 1e-9),
            has_value & has_published,
            has_published,
            has_value,
        ],
        [NO_MEASUREMENT_LABEL, MATCH, DIFFERS, PUBLISHED_ONLY, COMPUTED_ONLY],
        default="",
    )
    frame["reconciliation"] = labels
    return frame


def indicator_values(warehouse: Warehouse, definitions: Definitions, only: str | None = None) -> pd.DataFrame:
    """Every indicator × area × year: value, interval, published value, reconciliation.

    ``only`` restricts the computation to one indicator id.
    """
    indicators = [i for i in definitions.indicators() if only is None or i.id == only]
    observations = warehouse.current_observations()
    mergers = embedded_mergers()
    computed = warehouse.arrow(compute(observations, warehouse.areas(), indicators, mergers)).to_pandas()
    computed = add_intervals(computed, {i.id: i.kind for i in indicators})
    published = published_frame(definitions.programme)
    published = published[published["indicator_id"].isin([i.id for i in indicators])]
    frame = computed.merge(published, on=["indicator_id", "area_code", "period"], how="outer")
    names = warehouse.areas().select("code", "name", "level").to_pandas()
    frame = frame.drop(columns=["level"]).merge(
        names.rename(columns={"code": "area_code", "name": "area_name"}), on="area_code", how="left"
    )
    frame["year"] = frame["period"].str[:4].astype(int)
    by_id = {i.id: i for i in indicators}
    frame["unit"] = frame["indicator_id"].map(lambda i: by_id[i].unit)
    frame["numerator_source"] = [
        _numerator_source(by_id[i], rank)
        for i, rank in zip(frame["indicator_id"], frame["source_rank"], strict=True)
    ]
    no_data = frame["value"].isna() & frame["reason"].isna() & frame["numerator"].isna()
    frame.loc[no_data, "reason"] = "no-source-data"
    frame = territory.annotate(_reconcile(frame), mergers)
    return frame.sort_values(["indicator_id", "level", "area_code", "period"]).reset_index(drop=True)


def _numerator_source(indicator: Indicator, rank: float) -> str:
    if rank is None or (isinstance(rank, float) and math.isnan(rank)):
        return ""
    measures = indicator.numerator if int(rank) == 0 else indicator.fallback_numerator
    return " + ".join(measures)


def reason_text(code: str | float | None, indicator: Indicator | None = None) -> str:
    """Dutch explanation of why a value is missing."""
    if not isinstance(code, str) or not code:
        return ""
    if code == "no-source-data":
        if indicator is None:
            return NOT_LOADED
        return f"{NOT_LOADED} ({', '.join(indicator.numerator)})"
    return REASONS.get(code, code)


def series(values: pd.DataFrame, indicator_id: str, area_code: str) -> pd.DataFrame:
    """One indicator's values for one area, by period."""
    rows = values[(values["indicator_id"] == indicator_id) & (values["area_code"] == area_code)]
    return rows.sort_values("period").reset_index(drop=True)


def _float(value: object) -> float | None:
    if value is None or pd.isna(value):  # type: ignore[call-overload]
        return None
    return float(value)  # type: ignore[arg-type]


def _text(value: object) -> str:
    return value if isinstance(value, str) else ""


def series_points(rows: pd.DataFrame) -> list[Point]:
    """The values of a series (columns as in :func:`indicator_values`) as points for the tests;
    ``territory_break`` (first year after a boundary change) is read where the column exists."""
    has_break = "territory_break" in rows.columns
    out = []
    for row in rows.to_dict(orient="records"):
        provisional = row.get("provisional")
        out.append(
            Point(
                time=float(row["year"]),
                label=str(row["period"]),
                value=_float(row.get("value")),
                numerator=_float(row.get("numerator")),
                denominator=_float(row.get("denominator")),
                low=_float(row.get("ci_low")),
                high=_float(row.get("ci_high")),
                provisional=bool(provisional) if not _missing(provisional) else False,
                break_before=_text(row.get("territory_break")) if has_break else "",
            )
        )
    return out


def _missing(value: object) -> bool:
    try:
        return bool(pd.isna(value))  # type: ignore[call-overload]
    except (TypeError, ValueError):
        return False


#: Dutch plural of each level, for the pooled-φ text.
LEVEL_PLURALS = {
    "gemeente": "gemeenten",
    "wijk": "wijken",
    "buurt": "buurten",
    "stadsdeel": "stadsdelen",
    "land": "landen",
}


class DispersionPool:
    """Pooled φ per indicator and level, computed once when first needed.

    The pool of an indicator at a level is the median of the own-series φ of every area of
    that level with a yearly series long enough after its latest boundary break
    (``engine.dispersion.pooled``); it is used for the areas whose own series is too short.
    """

    def __init__(self, values: pd.DataFrame) -> None:
        self._values = values
        self._pools: dict[tuple[str, str], disp.Dispersion | None] = {}
        self._levels: dict[str, str] | None = None

    def get(self, indicator_id: str, level: str) -> disp.Dispersion | None:
        """The pooled φ, or None when fewer than ``engine.dispersion.MIN_POOLED`` areas have one."""
        key = (indicator_id, level)
        if key not in self._pools:
            self._pools[key] = pooled_dispersion(self._values, indicator_id, level)
        return self._pools[key]

    def for_area(self, indicator_id: str, area_code: str) -> disp.Dispersion | None:
        """The pool of the area's level (looked up in the values)."""
        if self._levels is None:  # once: a scan of every value per call was most of a report
            self._levels = {}
            if "level" in self._values.columns:
                known = self._values[["area_code", "level"]].dropna().drop_duplicates("area_code")
                self._levels = dict(
                    zip(known["area_code"].astype(str), known["level"].astype(str), strict=True)
                )
        level = self._levels.get(area_code)
        return None if level is None else self.get(indicator_id, level)


def pooled_dispersion(values: pd.DataFrame, indicator_id: str, level: str) -> disp.Dispersion | None:
    """The median own-series φ of the areas of ``level`` for one indicator (yearly values)."""
    rows = values[
        (values["indicator_id"] == indicator_id)
        & (values["level"] == level)
        & values["period"].astype(str).str.fullmatch(r"\d{4}")
        & values["numerator"].notna()
    ]
    rows = rows.sort_values(["area_code", "year"], kind="stable")
    found = []
    # one conversion of all rows, then split by area (a DataFrame per area cost ~1 ms each)
    by_area = zip(rows["area_code"].tolist(), series_points(rows), strict=True)
    for _, pairs in itertools.groupby(by_area, key=operator.itemgetter(0)):
        area_points = [point for _, point in pairs]
        if len(area_points) < disp.MIN_YEARS:
            continue
        own = series_dispersion(area_points)
        if own is not None:
            found.append(own)
    return disp.pooled(found, LEVEL_PLURALS.get(level, level))


@dataclass(frozen=True)
class StatusRow:
    """One indicator in the programme status."""

    indicator: Indicator
    theme_id: str | None
    baseline_year: int | None
    baseline_value: float | None
    baseline_source: str
    latest_year: int | None
    latest_value: float | None
    latest_source: str
    computed_year: int | None
    computed_value: float | None
    computed_low: float | None
    computed_high: float | None
    comparison: Comparison | None
    note: str
    matches: int
    differs: int
    reason: str
    published_unit: str = ""
    #: What fills a missing figure (``services.gaps``); shown where :attr:`has_gap`.
    remedy: Remedy | None = None

    @property
    def has_gap(self) -> bool:
        """No computed value, or nothing newer than the baseline year: a figure is missing."""
        if self.computed_year is None or self.latest_year is None:
            return True
        return self.baseline_year is not None and self.latest_year <= self.baseline_year


def _point(row: pd.Series | None, field: str) -> float | None:
    if row is None:
        return None
    value = row[field]
    return None if pd.isna(value) else float(value)


def status(values: pd.DataFrame, definitions: Definitions) -> list[StatusRow]:
    """Per programme indicator: baseline, latest, change and whether it is more than noise.

    Counts are compared with the quasi-Poisson test: φ from the municipality's other years
    where there are enough (``engine.trends.change_dispersion``), else the median φ of the
    other gemeenten (:class:`DispersionPool`); across a boundary break there is no test.
    """
    programme = definitions.programme
    pool = DispersionPool(values)
    fixes = gaps.remedies(definitions)
    rows = []
    for item in programme.indicators:
        indicator = definitions.indicator(item.id)
        if indicator is None:
            continue
        own = values[(values["indicator_id"] == item.id) & (values["area_code"] == programme.municipality)]
        own = own[own["period"].str.fullmatch(r"\d{4}")].sort_values("year")
        computed = own[own["value"].notna()]
        published = own[own["published_value"].notna()]
        row = _status_row(indicator, item.theme, programme.baseline_year, computed, published, own, pool)
        if item.published is not None and item.published.unit != indicator.unit:
            row = replace(row, published_unit=item.published.unit)
        rows.append(replace(row, remedy=fixes.get(indicator.id)))
    return rows


def _status_row(
    indicator: Indicator,
    theme: str | None,
    baseline_year: int,
    computed: pd.DataFrame,
    published: pd.DataFrame,
    own: pd.DataFrame,
    pool: DispersionPool | None = None,
) -> StatusRow:
    note = ""
    base = computed[computed["year"] == baseline_year]
    base_source = "berekend"
    if base.empty and not published[published["year"] == baseline_year].empty:
        base, base_source = published[published["year"] == baseline_year], "gepubliceerd"
    elif base.empty and not computed[computed["year"] < baseline_year].empty:
        base = computed[computed["year"] < baseline_year].tail(1)
        note = f"basisjaar {baseline_year} ontbreekt; dichtstbijzijnde eerdere jaar gebruikt"
    base_row = None if base.empty else base.iloc[-1]
    latest_candidates = pd.concat([computed.assign(src="berekend"), published.assign(src="gepubliceerd")])
    latest_row = None
    if not latest_candidates.empty:
        latest_row = latest_candidates.sort_values(["year", "src"]).iloc[-1]
    base_value = _point(base_row, "value" if base_source == "berekend" else "published_value")
    latest_source = str(latest_row["src"]) if latest_row is not None else ""
    latest_value = _point(latest_row, "value" if latest_source == "berekend" else "published_value")
    comparison = None
    if base_row is not None and latest_row is not None and int(latest_row["year"]) > int(base_row["year"]):
        comparison = _compare(indicator, base_row, base_source, latest_row, latest_source, computed, pool)
        if (
            base_source == latest_source == "berekend"
            and base_row["numerator_source"] != latest_row["numerator_source"]
        ):
            note = (note + "; " if note else "") + "andere bron in basis- en laatste jaar"
    last = None if computed.empty else computed.iloc[-1]
    reason = ""
    if computed.empty:
        missing = own["reason"].dropna()
        reason = reason_text(missing.iloc[-1] if not missing.empty else "no-source-data")
    return StatusRow(
        indicator=indicator,
        theme_id=theme,
        baseline_year=None if base_row is None else int(base_row["year"]),
        baseline_value=base_value,
        baseline_source=base_source if base_row is not None else "",
        latest_year=None if latest_row is None else int(latest_row["year"]),
        latest_value=latest_value,
        latest_source=latest_source,
        computed_year=None if last is None else int(last["year"]),
        computed_value=_point(last, "value"),
        computed_low=_point(last, "ci_low"),
        computed_high=_point(last, "ci_high"),
        comparison=comparison,
        note=note,
        matches=int((own["reconciliation"] == MATCH).sum()),
        differs=int((own["reconciliation"] == DIFFERS).sum()),
        reason=reason,
    )


def _compare(
    indicator: Indicator,
    base: pd.Series,
    base_source: str,
    latest: pd.Series,
    latest_source: str,
    computed: pd.DataFrame | None = None,
    pool: DispersionPool | None = None,
) -> Comparison:
    if base_source != "berekend" or latest_source != "berekend":
        return Comparison(Signal.TOO_LITTLE, None, "", "gepubliceerde waarde zonder telling of marge")
    if computed is not None and "territory_break" in computed.columns:
        span = computed[(computed["year"] > int(base["year"])) & (computed["year"] <= int(latest["year"]))]
        breaks = [b for b in span["territory_break"] if isinstance(b, str) and b]
        if breaks:
            return Comparison(
                Signal.TOO_LITTLE, None, "", f"grenswijziging: {breaks[-1]}; niet te vergelijken"
            )
    if indicator.kind is IndicatorKind.SURVEY:
        return compare_estimates(
            float(base["value"]),
            _point(base, "ci_low"),
            _point(base, "ci_high"),
            float(latest["value"]),
            _point(latest, "ci_low"),
            _point(latest, "ci_high"),
        )
    base_den = float(base["denominator"]) if indicator.kind is IndicatorKind.RATE else 1.0
    latest_den = float(latest["denominator"]) if indicator.kind is IndicatorKind.RATE else 1.0
    dispersion = disp.POISSON
    if computed is not None:
        points = series_points(computed)
        before = next(p for p in points if int(p.time) == int(base["year"]))
        after = next(p for p in points if int(p.time) == int(latest["year"]))
        level = str(base["level"]) if "level" in base.index and isinstance(base["level"], str) else "gemeente"
        pooled = pool.get(indicator.id, level) if pool is not None else None
        dispersion = change_dispersion(points, before, after, pooled)
    return compare_counts(
        float(base["numerator"]), base_den, float(latest["numerator"]), latest_den, dispersion
    )


IMPROVED = "verbeterd"
WORSENED = "verslechterd"


def verdict(indicator: Indicator, comparison: Comparison | None) -> str:
    """``verbeterd`` / ``verslechterd`` for a significant change given which way is better;
    otherwise the significance label itself (never a bare percentage)."""
    if comparison is None:
        return Signal.TOO_LITTLE.value
    if comparison.signal not in (Signal.ROSE, Signal.FELL):
        return comparison.signal.value
    lower_better = indicator.direction is Direction.LOWER_IS_BETTER
    return IMPROVED if (comparison.signal is Signal.FELL) == lower_better else WORSENED


#: Said of a theme without effect indicators instead of a verdict in figures.
NO_EFFECT_INDICATORS = (
    "Het programma stelt voor dit thema geen effectindicatoren vast. Het volgt de uitvoering met de "
    "acties en met onderzoek en analyses; daarom staat hier geen oordeel in cijfers."
)

#: How an indicator's verdict reads in a theme's count, in this order (worst news not hidden last).
_THEME_PARTS = {
    IMPROVED: "verbeterd",
    WORSENED: "verslechterd",
    Signal.NO_CHANGE.value: "zonder significante verandering",
    Signal.TOO_LITTLE.value: "nog niet te beoordelen",
}


@dataclass(frozen=True)
class ThemeVerdict:
    """A theme's verdict: how many of its indicators got which verdict. A count, never an index:
    indicators of one theme measure different things and are not averaged."""

    total: int
    #: (number of indicators, what happened to them) in the order of ``_THEME_PARTS``.
    parts: tuple[tuple[int, str], ...]

    def text(self) -> str:
        """``2 van 3 indicatoren verbeterd, 1 zonder significante verandering``.

        >>> ThemeVerdict(3, ((2, "verbeterd"), (1, "zonder significante verandering"))).text()
        '2 van 3 indicatoren verbeterd, 1 zonder significante verandering'
        >>> ThemeVerdict(1, ((1, "nog niet te beoordelen"),)).text()
        '1 van 1 indicator nog niet te beoordelen'
        """
        if not self.parts:
            return "geen indicatoren"
        noun = "indicator" if self.total == 1 else "indicatoren"
        (first, label), *rest = self.parts
        head = f"{first} van {self.total} {noun} {label}"
        return ", ".join([head, *(f"{n} {text}" for n, text in rest)])


def theme_verdict(rows: list[StatusRow]) -> ThemeVerdict:
    """The documented rule: count the indicators' own verdicts (:func:`verdict`) per outcome."""
    counts: dict[str, int] = {}
    for row in rows:
        label = verdict(row.indicator, row.comparison)
        counts[label] = counts.get(label, 0) + 1
    parts = tuple((counts[k], text) for k, text in _THEME_PARTS.items() if counts.get(k))
    return ThemeVerdict(len(rows), parts)


def export_frame(values: pd.DataFrame) -> pd.DataFrame:
    """The export table: one row per indicator × area × period."""
    return values[EXPORT_COLUMNS]
