# SPDX-License-Identifier: EUPL-1.2
"""Key figures of an area: inhabitants and the CBS *Kerncijfers wijken en buurten*.

They are context, not indicators: read as raw observations, once per snapshot
(``cached_context``). A count below the disclosure threshold is shown as ``< 5``, and a count
that would give such a small one away by subtraction (a wijk's inhabitants minus its other
buurten) as ``afgeschermd``, by the same rule as the indicators (``engine.disclosure``). Part
of an area profile (``services.profiles``).
"""

from __future__ import annotations

from collections.abc import MutableMapping
from typing import Any, NamedTuple

import pandas as pd

from veiligstad.domain.indicators import IndicatorKind
from veiligstad.domain.periods import PeriodType
from veiligstad.engine import disclosure
from veiligstad.services.area_links import buurten_of
from veiligstad.storage.warehouse import Warehouse

SUMMED = "som van de buurten (CBS rondt buurtaantallen af op vijftallen)"
SUMMED_INCOMPLETE = "som van de buurten met een cijfer; niet alle buurten hebben er een"


class Measure(NamedTuple):
    """How a context measure is shown: Dutch label, unit and decimals."""

    label: str
    unit: str
    decimals: int


#: Context measures in the order they are shown; other ``kwb:`` measures follow by name.
MEASURES = {
    "inwoners": Measure("Inwoners (1 januari)", "aantal", 0),
    "kwb:woningen": Measure("Woningen", "aantal", 0),
    "kwb:oppervlakte-km2": Measure("Oppervlakte", "km²", 1),
    "kwb:pct-0-14": Measure("Inwoners van 0 tot 15 jaar", "%", 0),
    "kwb:pct-15-24": Measure("Inwoners van 15 tot 25 jaar", "%", 0),
    "kwb:pct-25-44": Measure("Inwoners van 25 tot 45 jaar", "%", 0),
    "kwb:pct-45-64": Measure("Inwoners van 45 tot 65 jaar", "%", 0),
    "kwb:pct-65-plus": Measure("Inwoners van 65 jaar en ouder", "%", 0),
    "kwb:pct-koopwoningen": Measure("Koopwoningen", "%", 0),
    "kwb:woz-gemiddeld": Measure("Gemiddelde WOZ-waarde", "x 1.000 euro", 0),
    "kwb:arbeidsparticipatie-pct": Measure("Nettoarbeidsparticipatie (15-75 jaar)", "%", 1),
    "kwb:pct-hbo-wo": Measure("Hbo of wo als hoogste opleiding (15-75 jaar)", "%", 0),
    "kwb:pct-inkomen-laag": Measure("Inwoners met een laag inkomen (landelijk laagste 40%)", "%", 1),
    "kwb:pct-inkomen-hoog": Measure("Inwoners met een hoog inkomen (landelijk hoogste 20%)", "%", 1),
}

MEMO_KEY = ("profiles", "context")


def context_observations(warehouse: Warehouse) -> pd.DataFrame:
    """Yearly inhabitants and KWB key figures of every area (one query)."""
    obs = warehouse.current_observations()
    wanted = (obs.period_type == PeriodType.YEAR.value) & (
        (obs.measure == "inwoners") | obs.measure.startswith("kwb:")
    )
    frame: pd.DataFrame = (
        obs.filter(wanted).select("measure", "area_code", "year", "value", "unit").to_pandas()
    )
    return frame


def cached_context(url: str, memo: MutableMapping[Any, Any]) -> pd.DataFrame:
    """The context observations, read once per snapshot with a short-lived connection."""
    if MEMO_KEY not in memo:
        with Warehouse.open(url) as warehouse:
            memo[MEMO_KEY] = context_observations(warehouse)
    frame = memo[MEMO_KEY]
    assert isinstance(frame, pd.DataFrame)
    return frame


def _measure(code: str, unit: str) -> Measure:
    return MEASURES.get(code) or Measure(code.removeprefix("kwb:"), unit or "", 1)


def _figure_row(
    code: str,
    year: int,
    value: float | None,
    unit: str,
    note: str,
    threshold: int,
    withheld: str | None = None,
) -> dict[str, Any]:
    """One key figure, with a small count withheld as ``< threshold``, or as ``withheld`` (the
    disclosure text from ``withheld_context``) when that is given."""
    shown = _measure(code, unit)
    small = shown.unit == "aantal" and value is not None and 0 < value < threshold
    label = withheld if withheld is not None else (disclosure.label(threshold) if small else "")
    return {
        "meting": code,
        "kenmerk": shown.label,
        "jaar": int(year),
        "waarde": None if label else value,
        "eenheid": shown.unit,
        "decimalen": shown.decimals,
        "afscherming": label,
        "toelichting": note,
    }


#: Context measures that are counts (and so fall under disclosure control).
COUNTS = tuple(code for code, m in MEASURES.items() if m.unit == "aantal")


def withheld_context(
    context: pd.DataFrame, areas: pd.DataFrame, gemeente: str | None, threshold: int
) -> dict[tuple[str, str, int], str]:
    """The context counts of a gemeente's areas that are withheld, by (measure, area, year),
    with the text shown instead: small counts (``< 5``) and, as for the indicators
    (``engine.disclosure``), the counts that would give a small one away by subtraction
    (``afgeschermd``). The sums shown for areas without a figure of their own (a stadsdeel's
    inhabitants) count as published totals."""
    family = areas[areas["gemeente_code"] == gemeente] if gemeente else areas.iloc[0:0]
    codes = set(family["code"].astype(str))
    rows = context[context["area_code"].isin(codes) & context["measure"].isin(COUNTS)]
    if rows.empty:
        return {}
    frame = rows[["measure", "area_code", "year", "value"]].copy()
    own = set(zip(frame["measure"], frame["area_code"], strict=True))
    extra = []
    for row in family[family["level"] != "buurt"].to_dict(orient="records"):
        if ("inwoners", row["code"]) not in own:
            summed = _summed_inhabitants(context, buurten_of(family, {str(k): v for k, v in row.items()}))
            if summed is not None:
                extra.append(
                    {"measure": "inwoners", "area_code": row["code"], "year": summed[0], "value": summed[1]}
                )
    frame = pd.concat([frame, pd.DataFrame(extra, columns=frame.columns)], ignore_index=True)
    frame = frame.rename(columns={"measure": "indicator_id", "value": "numerator"})
    frame["period"] = frame["year"].astype(int).astype(str)
    kinds = dict.fromkeys(COUNTS, IndicatorKind.COUNT)
    public = disclosure.apply(frame, kinds, threshold, family)
    hidden = public[public["suppressed"]]
    return {
        (str(r["indicator_id"]), str(r["area_code"]), int(r["year"])): str(r["disclosure"])
        for r in hidden.to_dict(orient="records")
    }


def _summed_inhabitants(context: pd.DataFrame, buurten: list[str]) -> tuple[int, float, str] | None:
    """Inhabitants as the sum of the buurten, in the latest year any of them has a figure."""
    rows = context[(context["measure"] == "inwoners") & context["area_code"].isin(buurten)]
    if rows.empty:
        return None
    year = int(rows["year"].max())
    latest = rows[rows["year"] == year]
    note = SUMMED if len(latest) == len(buurten) else SUMMED_INCOMPLETE
    return year, float(latest["value"].sum()), note


def key_figures(
    context: pd.DataFrame,
    area_code: str,
    buurten: list[str],
    threshold: int,
    withheld: dict[tuple[str, str, int], str] | None = None,
) -> pd.DataFrame:
    """The latest value of every context measure of an area.

    An area without its own inhabitants figure (a stadsdeel is the municipality's own
    grouping) gets the sum of its ``buurten``. ``withheld`` (from ``withheld_context``) says
    which counts are withheld; without it only the small counts are.
    """

    def hidden(measure: str, year: int) -> str | None:
        return None if withheld is None else withheld.get((measure, area_code, year), "")

    own = context[context["area_code"] == area_code].sort_values("year")
    latest = own.groupby("measure", sort=False).tail(1)
    rows = [
        _figure_row(
            str(r["measure"]),
            int(r["year"]),
            float(r["value"]),
            str(r["unit"]),
            "",
            threshold,
            hidden(str(r["measure"]), int(r["year"])),
        )
        for r in latest.to_dict(orient="records")
    ]
    if "inwoners" not in set(latest["measure"]) and buurten:
        summed = _summed_inhabitants(context, buurten)
        if summed is not None:
            note = summed[2]
            rows.append(
                _figure_row(
                    "inwoners", summed[0], summed[1], "aantal", note, threshold, hidden("inwoners", summed[0])
                )
            )
    order = list(MEASURES)
    rows.sort(key=lambda r: (order.index(r["meting"]) if r["meting"] in order else len(order), r["meting"]))
    columns = ["meting", "kenmerk", "jaar", "waarde", "eenheid", "decimalen", "afscherming", "toelichting"]
    return pd.DataFrame(rows, columns=columns)
