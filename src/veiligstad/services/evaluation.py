# SPDX-License-Identifier: EUPL-1.2
"""The yearly evaluation of the uitvoeringsprogramma (``veiligstad evaluate YEAR``).

Per programme theme: each indicator's value in the year, its change against the previous
measurement and against the MJP baseline year, each with its significance label and
verdict; the actions of that year with their status and evaluation; and the author's saved
conclusions and proposed adjustments. No new statistics: the changes come from
``engine.trends.changes`` and ``services.trends.against_baseline``, the verdicts from
``services.monitor.verdict``.

A value the programme only published (no count, no margin) is shown with the label
"te weinig gegevens": it cannot be tested. A value withheld by disclosure control (public
values) is shown as its disclosure text, never as a rate.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import MutableMapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd
from pydantic import ValidationError

from veiligstad.definitions.validation import Definitions
from veiligstad.domain.actions import (
    Action,
    ActionStatus,
    AuditEntry,
    Change,
    Entity,
    ThemeConclusion,
    YearEvaluation,
)
from veiligstad.domain.indicators import Indicator, IndicatorKind
from veiligstad.domain.programme import Theme
from veiligstad.engine.trends import Change as SeriesChange
from veiligstad.engine.trends import Point, changes
from veiligstad.errors import DataError, Problem
from veiligstad.services import monitor, trends
from veiligstad.services.action_files import validation_problems
from veiligstad.services.actions import ActionsError, now_utc
from veiligstad.services.documents import read_documents_yaml
from veiligstad.storage import actions as store
from veiligstad.storage.warehouse import Warehouse

CONCLUSION_FIELDS = "year, author, summary, themes (per thema: theme, conclusion, adjustments)"
COMPUTED = "berekend"
PUBLISHED = "gepubliceerd"


@dataclass(frozen=True)
class IndicatorChange:
    """One indicator in the evaluated year: its value and its changes with significance."""

    indicator: Indicator
    year: int
    value: float | None
    source: str
    low: float | None = None
    high: float | None = None
    disclosure: str = ""
    previous: SeriesChange | None = None
    baseline: SeriesChange | None = None
    baseline_note: str = ""
    reason: str = ""

    @property
    def verdict_previous(self) -> str:
        """``verbeterd``/``verslechterd``/the label, against the previous measurement."""
        return monitor.verdict(self.indicator, self.previous.comparison if self.previous else None)

    @property
    def verdict_baseline(self) -> str:
        """``verbeterd``/``verslechterd``/the label, against the baseline year."""
        return monitor.verdict(self.indicator, self.baseline.comparison if self.baseline else None)

    @property
    def notes(self) -> list[str]:
        """Context for reading the change (haaldelict, baseline substitute)."""
        found = [self.baseline_note] if self.baseline_note else []
        if self.indicator.haaldelict:
            found.append("haaldelict: een stijging kan op meer handhaving wijzen, niet op meer criminaliteit")
        return found


@dataclass(frozen=True)
class ThemeEvaluation:
    """One theme: its indicators, the year's actions on it, and the saved conclusion."""

    theme: Theme
    indicators: list[IndicatorChange]
    actions: list[Action]
    conclusion: ThemeConclusion | None


@dataclass(frozen=True)
class Evaluation:
    """The evaluation of one year of the uitvoeringsprogramma."""

    year: int
    area_code: str
    baseline_year: int
    themes: list[ThemeEvaluation]
    context: list[IndicatorChange]
    saved: YearEvaluation | None

    @property
    def actions(self) -> list[Action]:
        """Every action of the year (once, even when it has several themes)."""
        seen = {a.id: a for theme in self.themes for a in theme.actions}
        return list(seen.values())

    def status_counts(self) -> dict[str, int]:
        """How many actions have each status (every status listed, also when zero)."""
        counts = Counter(a.status for a in self.actions)
        return {status.value: counts.get(status, 0) for status in ActionStatus}

    def as_dict(self) -> dict[str, Any]:
        """The evaluation as JSON-ready data."""
        return {
            "year": self.year,
            "area_code": self.area_code,
            "baseline_year": self.baseline_year,
            "status_counts": self.status_counts(),
            "summary": self.saved.summary if self.saved else "",
            "author": self.saved.author if self.saved else "",
            "saved_at": self.saved.saved_at.isoformat() if self.saved and self.saved.saved_at else None,
            "themes": [
                {
                    "id": t.theme.id,
                    "name": t.theme.name,
                    "indicators": [_change_dict(c) for c in t.indicators],
                    "actions": [a.model_dump(mode="json") for a in t.actions],
                    "conclusion": t.conclusion.conclusion if t.conclusion else "",
                    "adjustments": t.conclusion.adjustments if t.conclusion else [],
                }
                for t in self.themes
            ],
            "context": [_change_dict(c) for c in self.context],
        }


def _series_change(change: SeriesChange | None, verdict: str) -> dict[str, Any] | None:
    if change is None:
        return None
    return {
        "from_year": int(change.before.time),
        "from_value": change.before.value,
        "to_value": change.after.value,
        "difference": change.difference,
        "relative": change.relative,
        "signal": change.comparison.signal.value,
        "p_value": change.comparison.p_value,
        "reason": change.comparison.reason,
        "verdict": verdict,
    }


def _change_dict(item: IndicatorChange) -> dict[str, Any]:
    return {
        "id": item.indicator.id,
        "name": item.indicator.name,
        "unit": item.indicator.unit,
        "year": item.year,
        "value": item.value,
        "source": item.source,
        "ci_low": item.low,
        "ci_high": item.high,
        "disclosure": item.disclosure,
        "previous": _series_change(item.previous, item.verdict_previous),
        "baseline": _series_change(item.baseline, item.verdict_baseline),
        "notes": item.notes,
        "reason": item.reason,
    }


def _number(value: object) -> float | None:
    return None if value is None or pd.isna(value) else float(value)  # type: ignore[arg-type, call-overload]


def series_points(rows: pd.DataFrame) -> list[tuple[Point, str]]:
    """Yearly points with their source: the computed value, else the programme's published one."""
    yearly = rows[rows["period"].str.fullmatch(r"\d{4}")]
    computed = yearly[yearly["value"].notna()]
    found = [(point, COMPUTED) for point in trends.points(computed)]
    have = {int(p.time) for p, _ in found}
    for record in yearly.to_dict(orient="records"):
        value = _number(record.get("published_value"))
        if value is not None and int(record["year"]) not in have:
            point = Point(time=float(record["year"]), label=str(record["period"]), value=value)
            found.append((point, PUBLISHED))
    return sorted(found, key=lambda pair: pair[0].time)


def indicator_change(
    values: pd.DataFrame, indicator: Indicator, area_code: str, year: int, baseline_year: int
) -> IndicatorChange:
    """The indicator's value in ``year`` and its changes against the previous measurement
    and the baseline year, with significance labels."""
    rows = monitor.series(values, indicator.id, area_code)
    this_year = rows[rows["period"] == str(year)]
    disclosure = ""
    if not this_year.empty and "disclosure" in this_year.columns:
        disclosure = str(this_year["disclosure"].iloc[0] or "")
    pairs = [(p, s) for p, s in series_points(rows) if p.time <= year]
    current = next(((p, s) for p, s in pairs if int(p.time) == year), None)
    if current is None:
        codes = this_year["reason"].dropna() if "reason" in this_year.columns else pd.Series(dtype=str)
        reason = (
            monitor.reason_text(codes.iloc[0], indicator) if not codes.empty else f"geen waarde voor {year}"
        )
        if pairs:
            last, last_source = pairs[-1]
            reason += f"; laatste waarde {last.label} ({last_source})"
        return IndicatorChange(
            indicator, year, None, "", disclosure=disclosure, reason="" if disclosure else reason
        )
    point, source = current
    survey = indicator.kind is IndicatorKind.SURVEY
    points = [p for p, _ in pairs]
    previous = next((c for c in changes(points, survey) if int(c.after.time) == year), None)
    baseline, note = (
        (None, "") if point.provisional else trends.against_baseline(points, baseline_year, survey)
    )
    return IndicatorChange(
        indicator=indicator,
        year=year,
        value=point.value,
        source=source,
        low=point.low,
        high=point.high,
        disclosure=disclosure,
        previous=previous,
        baseline=baseline,
        baseline_note=note,
        reason="voorlopig cijfer; niet getoetst" if point.provisional else "",
    )


def _theme_indicators(
    definitions: Definitions, theme_id: str | None, actions: Sequence[Action]
) -> list[Indicator]:
    """The programme's indicators of a theme, then those its actions name (once each)."""
    ids = [item.id for item in definitions.programme.indicators if item.theme == theme_id]
    ids += [i for a in actions for i in a.indicators]
    found = (definitions.indicator(i) for i in dict.fromkeys(ids))
    return [indicator for indicator in found if indicator is not None]


def evaluate(
    definitions: Definitions,
    values: pd.DataFrame,
    actions: Sequence[Action],
    saved: YearEvaluation | None,
    year: int,
    area_code: str | None = None,
    memo: MutableMapping[Any, Any] | None = None,
) -> Evaluation:
    """The evaluation of ``year`` from indicator values (raw or public), the stored actions and
    the saved conclusions (pure; see ``evaluate_year`` for the warehouse version).

    ``memo`` keeps the indicators' changes for later calls on the same ``values`` (the
    dashboard passes its snapshot's memo): they depend on the values only, not on the
    actions or conclusions, and computing them is most of the work."""
    programme = definitions.programme
    code = area_code or programme.municipality
    memo = {} if memo is None else memo
    area_key = (__name__, "values", code)
    if area_key not in memo:  # the area's rows once, not a scan of every value per indicator
        memo[area_key] = values[values["area_code"] == code]
    area_values: pd.DataFrame = memo[area_key]

    def change(indicator: Indicator) -> IndicatorChange:
        key = (__name__, "change", indicator.id, code, year, programme.baseline_year)
        found = memo.get(key)
        if not isinstance(found, IndicatorChange):
            found = indicator_change(area_values, indicator, code, year, programme.baseline_year)
            memo[key] = found
        return found

    of_year = [a for a in actions if a.year == year]
    themes = []
    for theme in programme.themes:
        on_theme = [a for a in of_year if theme.id in a.themes]
        indicators = _theme_indicators(definitions, theme.id, on_theme)
        themes.append(
            ThemeEvaluation(
                theme=theme,
                indicators=[change(i) for i in indicators],
                actions=on_theme,
                conclusion=saved.conclusion(theme.id) if saved else None,
            )
        )
    context = [change(i) for i in _theme_indicators(definitions, None, [])]
    return Evaluation(year, code, programme.baseline_year, themes, context, saved)


def evaluate_year(
    warehouse: Warehouse,
    definitions: Definitions,
    year: int,
    *,
    values: pd.DataFrame | None = None,
    public_only: bool = False,
) -> Evaluation:
    """The evaluation of ``year`` from the warehouse: values (computed unless given), actions
    (only public ones with ``public_only``) and the saved conclusions."""
    if values is None:
        values = monitor.indicator_values(warehouse, definitions)
    actions = [a for a in store.load_actions(warehouse) if a.is_public or not public_only]
    return evaluate(definitions, values, actions, store.load_evaluation(warehouse, year), year)


def stored(warehouse: Warehouse, year: int) -> tuple[list[Action], YearEvaluation | None]:
    """The stored actions and the saved conclusions of ``year`` (``None``: none saved yet), as
    the evaluation page reads them."""
    return store.load_actions(warehouse), store.load_evaluation(warehouse, year)


def evaluation_frame(evaluation: Evaluation) -> pd.DataFrame:
    """One row per theme and indicator: value, changes, labels and verdicts (download)."""
    rows = []
    for theme in evaluation.themes:
        for item in theme.indicators:
            rows.append(_frame_row(theme.theme.name, item))
    rows += [_frame_row("context", item) for item in evaluation.context]
    return pd.DataFrame(rows)


def _frame_row(theme: str, item: IndicatorChange) -> dict[str, Any]:
    previous, baseline = item.previous, item.baseline
    return {
        "thema": theme,
        "indicator_id": item.indicator.id,
        "indicator": item.indicator.name,
        "eenheid": item.indicator.unit,
        "jaar": item.year,
        "waarde": item.value,
        "bron": item.source,
        "afgeschermd": item.disclosure,
        "vorige_meting_jaar": int(previous.before.time) if previous else None,
        "vorige_meting_waarde": previous.before.value if previous else None,
        "significantie_vorige": previous.comparison.signal.value if previous else "",
        "oordeel_vorige": item.verdict_previous,
        "basisjaar": int(baseline.before.time) if baseline else None,
        "basiswaarde": baseline.before.value if baseline else None,
        "significantie_basis": baseline.comparison.signal.value if baseline else "",
        "oordeel_basis": item.verdict_baseline,
        "toelichting": "; ".join([*item.notes, item.reason] if item.reason else item.notes),
    }


# --------------------------------------------------------------------------- conclusions


def conclusion_problems(evaluation: YearEvaluation, definitions: Definitions, where: str) -> list[Problem]:
    """Theme ids the programme does not know."""
    theme_ids = [t.id for t in definitions.programme.themes]
    return [
        Problem(
            "unknown-theme",
            f"{where}: themes[{index}].theme",
            f"onbekend thema '{item.theme}'",
            f"kies uit: {', '.join(theme_ids)}",
        )
        for index, item in enumerate(evaluation.themes)
        if item.theme not in theme_ids
    ]


def read_conclusions(path: Path, definitions: Definitions, year: int) -> YearEvaluation:
    """Read conclusions and adjustments for ``year`` from YAML; every problem is reported."""
    data = read_documents_yaml(path)
    if not isinstance(data, dict):
        raise DataError(
            f"{path.name} bevat geen conclusies.",
            hint="Schrijf 'summary:', 'author:' en 'themes:' met per thema theme, conclusion en adjustments.",
        )
    if "year" in data and data["year"] != year:
        problem = Problem(
            "year-mismatch", f"{path.name}: year", f"het bestand is voor {data['year']}, niet {year}"
        )
        raise ActionsError(f"{path.name}: verkeerd jaar; niets opgeslagen.", [problem])
    try:
        evaluation = YearEvaluation.model_validate({**data, "year": year})
    except ValidationError as exc:
        raise ActionsError(
            f"{path.name}: conclusies ongeldig; niets opgeslagen.",
            validation_problems(exc, path.name, CONCLUSION_FIELDS),
        ) from exc
    problems = conclusion_problems(evaluation, definitions, path.name)
    if problems:
        raise ActionsError(f"{path.name}: {len(problems)} probleem/problemen; niets opgeslagen.", problems)
    return evaluation


def save_conclusions(
    warehouse: Warehouse,
    evaluation: YearEvaluation,
    definitions: Definitions,
    *,
    user: str,
    now: dt.datetime | None = None,
    note: str = "",
) -> YearEvaluation | None:
    """Save the conclusions of a year (replacing earlier ones) with an audit entry; the saved
    version, or None when nothing changed. Themes without text are left out."""
    problems = conclusion_problems(evaluation, definitions, f"evaluatie {evaluation.year}")
    if problems:
        raise ActionsError(f"Evaluatie {evaluation.year}: onbekende thema's; niets opgeslagen.", problems)
    at = now or now_utc()
    kept = [item for item in evaluation.themes if not item.is_empty]
    before = store.load_evaluation(warehouse, evaluation.year)
    after = evaluation.model_copy(
        update={"themes": kept, "author": evaluation.author or user, "saved_at": at}
    )
    if before is not None and before.model_copy(update={"saved_at": at}) == after:
        return None
    entry = AuditEntry(
        at=at,
        user=user,
        entity=Entity.EVALUATION,
        entity_id=str(evaluation.year),
        change=Change.CREATE if before is None else Change.UPDATE,
        before=None if before is None else before.model_dump(mode="json"),
        after=after.model_dump(mode="json"),
        note=note,
    )
    store.write(warehouse, [entry], evaluations=[after])
    return after
