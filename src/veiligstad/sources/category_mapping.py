# SPDX-License-Identifier: EUPL-1.2
"""Map a source's own crime categories onto police crime-type codes, as declared in YAML.

A "- Totaal" row and its parts are never added together: a rule either copies one
category, takes the source's total (checking its parts against it), or sums parts where
the source has no total. Mismatches between a total and its parts are reported.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import yaml
from pydantic import BaseModel, ConfigDict, Field, model_validator

from veiligstad import yamlfile
from veiligstad.errors import DataError, Problem


class Rule(BaseModel):
    """How one code is made from source categories."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    code: str
    copy_of: str | None = Field(default=None, alias="copy")
    total: str | None = None
    parts: list[str] = Field(default_factory=list)

    @model_validator(mode="after")
    def _one_way(self) -> Rule:
        if (self.copy_of is None) == (self.total is None and not self.parts):
            raise ValueError("gebruik óf 'copy', óf 'total' (met of zonder parts), óf 'parts'")
        if self.copy_of is not None and (self.total or self.parts):
            raise ValueError("'copy' gaat niet samen met 'total' of 'parts'")
        return self


class CategoryMapping(BaseModel):
    """A mapping file: the source it applies to and its rules."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    source: str
    derived_source: str
    rules: list[Rule]


def load_mapping(path: Path) -> CategoryMapping:
    """Read a mapping YAML file."""
    try:
        return CategoryMapping.model_validate(yamlfile.read(path))
    except (OSError, ValueError, yaml.YAMLError) as exc:
        raise DataError(f"Ongeldig koppelbestand {path.name}: {exc}") from exc


def apply_mapping(rows: pd.DataFrame, mapping: CategoryMapping) -> tuple[pd.DataFrame, list[Problem]]:
    """Rows of coded measures from rows of source categories, plus consistency problems.

    ``rows`` has the columns area_code, period, measure, value, status.
    """
    wide = rows.pivot_table(
        index=["area_code", "period"],
        columns="measure",
        values="value",
        aggfunc="first",
        dropna=False,
    )
    status = rows.groupby(["area_code", "period"])["status"].agg(
        lambda s: "voorlopig" if (s == "voorlopig").any() else "definitief"
    )
    out: list[pd.DataFrame] = []
    problems: list[Problem] = []
    for rule in mapping.rules:
        needed = [m for m in (rule.copy_of, rule.total, *rule.parts) if m]
        absent = [m for m in needed if m not in wide.columns]
        if absent:
            raise DataError(
                f"Koppeling {rule.code}: categorie(ën) {', '.join(absent)} niet in de bron.",
                hint="Controleer de namen in het koppelbestand.",
            )
        parts_sum = wide[rule.parts].sum(axis=1, min_count=len(rule.parts)) if rule.parts else None
        # A part that is withheld (empty) makes the sum unknown: min_count keeps it NaN.
        if rule.copy_of is not None:
            values = wide[rule.copy_of]
        elif rule.total is not None:
            values = wide[rule.total]
            if parts_sum is not None:
                problems.extend(_check_total(rule, values, parts_sum))
        else:
            assert parts_sum is not None
            values = parts_sum
        frame = values.rename("value").reset_index()
        frame["measure"] = rule.code
        out.append(frame)
    result = pd.concat(out, ignore_index=True)
    result = result.join(status.rename("status"), on=["area_code", "period"])
    return result, problems


def _check_total(rule: Rule, totals: pd.Series, parts: pd.Series) -> list[Problem]:
    differ = totals.notna() & parts.notna() & (totals != parts)
    return [
        Problem(
            "total-parts-mismatch",
            f"{rule.total} ({area}, {period})",
            f"totaal {totals[(area, period)]:g} ≠ som van de onderdelen {parts[(area, period)]:g}",
            "het totaal van de bron wordt gebruikt; controleer de bron",
            "waarschuwing",
        )
        for area, period in totals.index[differ]
    ]
