# SPDX-License-Identifier: EUPL-1.2
"""``veiligstad sources --status``: per current batch the newest period and a freshness check.

Every figure points to its batch (source, table id, retrieved at, file hash, rows accepted
and rejected, user). For each current batch (``replaced_by`` is null) this reports the
newest period of its observations and warns when that period ended longer ago than the
source's expected refresh interval plus publication lag (``data/sources/refresh.yaml``).
Embedded data are a snapshot (*momentopname*) shipped with the package: they are never
refreshed by themselves, so their age is always shown.
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd
import yaml
from pydantic import BaseModel, ConfigDict, Field

from veiligstad import yamlfile
from veiligstad.domain.periods import Period, PeriodType, parse_period
from veiligstad.errors import ConfigError
from veiligstad.formatting import date as dutch_date
from veiligstad.sources import embedded
from veiligstad.storage.warehouse import Warehouse

EMBEDDED = "embedded"


class RefreshRule(BaseModel):
    """How often a source is expected to get a newer period."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    label: str
    table_ids: list[str] = Field(default_factory=list)
    source_pattern: str = ""
    kind: str = ""
    interval_months: int = Field(ge=1)
    lag_months: int = Field(default=0, ge=0)

    def matches(self, source_id: str, table_id: str | None, kind: str | None) -> bool:
        """Whether this rule applies to a batch."""
        if table_id and table_id in self.table_ids:
            return True
        if self.source_pattern and re.search(self.source_pattern, source_id):
            return True
        return bool(self.kind) and self.kind == kind

    @property
    def allowed_months(self) -> int:
        """Months after the end of the newest period before the source is out of date."""
        return self.interval_months + self.lag_months


class RefreshConfig(BaseModel):
    """The refresh rules file."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    default: RefreshRule
    rules: list[RefreshRule] = Field(default_factory=list)

    def rule_for(self, source_id: str, table_id: str | None, kind: str | None) -> RefreshRule:
        """The first matching rule, else the default."""
        return next((r for r in self.rules if r.matches(source_id, table_id, kind)), self.default)


def refresh_path() -> Path:
    """The built-in refresh rules."""
    return embedded.data_root() / "sources" / "refresh.yaml"


def load_refresh(path: Path | None = None) -> RefreshConfig:
    """Read the refresh rules; a broken file is a configuration error."""
    source = path or refresh_path()
    try:
        return RefreshConfig.model_validate(yamlfile.read(source))
    except (OSError, yaml.YAMLError, ValueError) as exc:
        raise ConfigError(f"Kan {source.name} (verversingsritme) niet lezen: {exc}") from exc


def period_end(period: Period) -> dt.date:
    """The last day of a period.

    >>> [period_end(parse_period(p)) for p in ("2023", "2024-02", "2020H1")]
    [datetime.date(2023, 12, 31), datetime.date(2024, 2, 29), datetime.date(2020, 6, 30)]
    """
    months = {PeriodType.YEAR: 12, PeriodType.HALF_YEAR: 6, PeriodType.QUARTER: 3, PeriodType.MONTH: 1}
    last_month = 12 if period.type is PeriodType.YEAR else period.number * months[period.type]
    return dt.date(period.year, last_month, calendar.monthrange(period.year, last_month)[1])


def add_months(day: dt.date, months: int) -> dt.date:
    """The same day ``months`` later (clipped to the month's last day)."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return dt.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def months_between(start: dt.date, end: dt.date) -> int:
    """Whole months from ``start`` to ``end``."""
    months = (end.year - start.year) * 12 + end.month - start.month
    return months - (1 if end.day < start.day else 0)


@dataclass(frozen=True)
class SourceStatus:
    """Freshness of one current batch."""

    source_id: str
    kind: str
    table_id: str | None
    title: str
    newest_period: str | None
    newest_period_end: dt.date | None
    loaded_at: Any
    retrieved_at: Any
    rows: int
    rows_rejected: int
    loaded_by: str
    file_hash: str
    rule: str
    due: dt.date | None
    age_months: int | None
    snapshot: bool
    outdated: bool
    warning: str


def _newest_periods(warehouse: Warehouse) -> dict[str, Period]:
    obs = warehouse.observations()
    pairs = obs.select("source_id", "period").distinct().to_pandas()
    newest: dict[str, Period] = {}
    for source_id, text in zip(pairs["source_id"], pairs["period"], strict=True):
        period = parse_period(str(text))
        current = newest.get(str(source_id))
        if current is None or period_end(period) > period_end(current):
            newest[str(source_id)] = period
    return newest


def _text(value: Any) -> str:
    return "" if value is None or (isinstance(value, float) and pd.isna(value)) else str(value)


def source_status(
    warehouse: Warehouse, today: dt.date | None = None, config: RefreshConfig | None = None
) -> list[SourceStatus]:
    """Per current batch: newest period, load details and whether it is out of date."""
    today = today or dt.datetime.now(dt.UTC).date()
    config = config or load_refresh()
    batches = warehouse.batches()
    current = batches.filter(batches.replaced_by.isnull()).order_by("source_id").to_pandas()
    current = current.astype(object).where(current.notna(), None)
    newest = _newest_periods(warehouse)
    result = []
    for row in current.to_dict(orient="records"):
        source_id = str(row["source_id"])
        kind = _text(row["kind"]) or EMBEDDED
        table_id = _text(row["table_id"]) or None
        rule = config.rule_for(source_id, table_id, kind)
        period = newest.get(source_id)
        end = period_end(period) if period else None
        due = add_months(end, rule.allowed_months) if end else None
        age = months_between(end, today) if end else None
        outdated = due is not None and today > due
        snapshot = kind == EMBEDDED
        warning = _warning(period, end, due, age, outdated, snapshot)
        result.append(
            SourceStatus(
                source_id=source_id,
                kind=kind,
                table_id=table_id,
                title=_text(row["title"]),
                newest_period=period.code if period else None,
                newest_period_end=end,
                loaded_at=row["loaded_at"],
                retrieved_at=row["retrieved_at"],
                rows=int(row["rows"] or 0),
                rows_rejected=int(row["rows_rejected"] or 0),
                loaded_by=_text(row["loaded_by"]),
                file_hash=_text(row["file_hash"]),
                rule=rule.label,
                due=due,
                age_months=age,
                snapshot=snapshot,
                outdated=outdated,
                warning=warning,
            )
        )
    return result


def _age_text(months: int) -> str:
    """An age in Dutch (``web/pages/sources._age`` writes it in English).

    >>> _age_text(1), _age_text(11), _age_text(12), _age_text(13), _age_text(35)
    ('1 maand', '11 maanden', '1 jaar', '1 jaar en 1 maand', '2 jaar en 11 maanden')
    """
    years, rest = divmod(months, 12)
    month_text = f"{rest} maand" if rest == 1 else f"{rest} maanden"
    if years and rest:
        return f"{years} jaar en {month_text}"
    return f"{years} jaar" if years else month_text


def _warning(
    period: Period | None,
    end: dt.date | None,
    due: dt.date | None,
    age: int | None,
    outdated: bool,
    snapshot: bool,
) -> str:
    if period is None or end is None or due is None or age is None:
        return "momentopname zonder cijfers" if snapshot else ""
    parts = []
    if snapshot:
        parts.append(f"momentopname: nieuwste periode {period.code} is {_age_text(max(age, 0))} oud")
    if outdated:
        parts.append(f"verouderd: een nieuwere periode werd verwacht vóór {dutch_date(due)}")
    return "; ".join(parts)
