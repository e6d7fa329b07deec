# SPDX-License-Identifier: EUPL-1.2
"""Fill-in templates: the rows an indicator still needs, in the shape ``import file`` reads.

``veiligstad template INDICATOR --years 2021-2025`` writes the long upload shape
(``area_code, period, measure, value``, see docs/how-to/import-file.md) with one row per
measure the indicator reads (the numerator's codes, the population it is divided by, and
for a survey the bounds of its interval) for every area of the chosen level and every year
in which the warehouse holds no value for that measure. ``value`` is left empty. The
other columns (``area_name``, ``unit``, ``toelichting``) help the person filling it in:
the importer ignores ``area_name`` and ``toelichting`` when a code is given, and checks
``unit`` against the measure.

The programme's baseline year is added for the programme's own gemeente when the
programme publishes a baseline value for the indicator: once its counts are filled in,
the published baseline can be checked against them. The template contains names, codes
and empty cells only: no figures, so no small counts to protect.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable, Hashable, MutableMapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from veiligstad import formatting
from veiligstad.definitions.validation import Definitions
from veiligstad.domain import measures
from veiligstad.domain.areas import AreaLevel
from veiligstad.domain.indicators import Indicator, IndicatorKind
from veiligstad.engine.compute import CENSUS_MEASURE, compute, expand_levels
from veiligstad.engine.rollup import yearly
from veiligstad.errors import DataError, NotFound
from veiligstad.sources.mergers import embedded_mergers
from veiligstad.storage.warehouse import Warehouse

#: Levels a template can be made for (the country is never filled in by hand).
LEVELS = (AreaLevel.GEMEENTE.value, AreaLevel.STADSDEEL.value, AreaLevel.WIJK.value, AreaLevel.BUURT.value)
COLUMNS = ("area_code", "area_name", "period", "measure", "unit", "value", "toelichting")
FORMATS = ("csv", "xlsx")
MAX_YEARS = 30
MAX_ROWS = 200_000
SHEET = "Invullen"
INSTRUCTIONS_SHEET = "Toelichting"
_YEARS = re.compile(r"^\s*(\d{4})\s*(?:-\s*(\d{4})\s*)?$")


@dataclass(frozen=True)
class TemplateRow:
    """One value to fill in."""

    area_code: str
    area_name: str
    period: int
    measure: str
    unit: str
    note: str


@dataclass
class Template:
    """The rows of a fill-in template and what they were chosen from."""

    indicator: Indicator
    level: str
    years: list[int]
    areas: list[str]
    rows: list[TemplateRow] = field(default_factory=list)
    baseline_year: int | None = None  # added because only a published value exists

    @property
    def file_stem(self) -> str:
        """A file name without extension: ``invulsjabloon-<indicator>-<level>-<years>``."""
        span = f"{self.years[0]}" if len(self.years) == 1 else f"{self.years[0]}-{self.years[-1]}"
        return f"invulsjabloon-{self.indicator.id}-{self.level}-{span}"


def parse_years(text: str) -> list[int]:
    """``2021-2025``, ``2024`` or a comma-separated list of both, as sorted distinct years.

    >>> parse_years("2021-2023"), parse_years("2019, 2021-2022")
    ([2021, 2022, 2023], [2019, 2021, 2022])
    """
    years: set[int] = set()
    for part in text.split(","):
        match = _YEARS.match(part)
        if match is None:
            raise DataError(
                f"Onleesbare jaren '{text}'.", hint="Schrijf bijvoorbeeld --years 2021-2025 of 2023."
            )
        first = int(match.group(1))
        last = int(match.group(2) or first)
        if not 1900 <= first <= last <= 2100:
            raise DataError(
                f"Ongeldig jaarbereik '{part.strip()}'.", hint="Het eerste jaar komt eerst; jaren 1900-2100."
            )
        years.update(range(first, last + 1))
    if len(years) > MAX_YEARS:
        raise DataError(
            f"Te veel jaren ({len(years)}).", hint=f"Maak een sjabloon voor hoogstens {MAX_YEARS} jaar."
        )
    return sorted(years)


def needed_measures(indicator: Indicator) -> list[tuple[str, str]]:
    """(measure, explanation) for every measure a template asks for, numerator first."""
    out = [
        (m, "teller: geregistreerd aantal" if indicator.kind is not IndicatorKind.SURVEY else "uitkomst")
        for m in indicator.numerator
    ]
    if indicator.denominator:
        out.append((indicator.denominator, "noemer: bevolking op 1 januari"))
    if indicator.margin_lower:
        out.append((indicator.margin_lower, "ondergrens 95%-interval (mag leeg)"))
    if indicator.margin_upper:
        out.append((indicator.margin_upper, "bovengrens 95%-interval (mag leeg)"))
    return out


#: The register columns a template's areas are picked from.
REGISTER_COLUMNS = ("code", "name", "level", "gemeente_code", "stadsdeel_code", "wijk_code")


def _within(rows: Any, area: str) -> Any:
    """Which of ``rows`` (a register as an ibis table or a DataFrame: the same expression) are
    ``area`` or lie in it."""
    return (
        (rows["code"] == area)
        | (rows["gemeente_code"] == area)
        | (rows["stadsdeel_code"] == area)
        | (rows["wijk_code"] == area)
    )


def _register(warehouse: Warehouse, municipality: str, area: str | None) -> pd.DataFrame:
    """The register rows a template picks its areas from: the municipality and its areas, or
    ``area`` and the areas in it."""
    table = warehouse.areas()
    scope = _within(table, municipality if area is None else area)
    rows: pd.DataFrame = table.filter(scope).select(*REGISTER_COLUMNS).execute()
    return rows


def _pick(
    register: pd.DataFrame, municipality: str, level: str | None, area: str | None
) -> tuple[str, dict[str, str]]:
    """The level and the areas (code → name) a template is made for, from ``_register`` rows
    that hold them (those of the municipality, or of ``area``)."""
    if area is not None:
        found = register[register["code"] == area]
        if found.empty:
            raise NotFound(f"Onbekend gebied '{area}'.", hint="Zie `veiligstad areas` voor de gebiedscodes.")
        level = level or str(found["level"].iloc[0])
    level = level or AreaLevel.GEMEENTE.value
    if level not in LEVELS:
        raise DataError(f"Onbekend niveau '{level}'.", hint=f"Kies uit: {', '.join(LEVELS)}.")
    scope = register["gemeente_code"] == municipality if area is None else _within(register, area)
    rows = register[(scope & (register["level"] == level)).fillna(False).astype(bool)]
    if rows.empty:
        where = area or municipality
        raise NotFound(
            f"Geen gebieden op niveau {level} in {where}.",
            hint="Kies een ander --level of --area; laad gebieden met veiligstad import boundaries.",
        )
    names = {
        str(c): (n if isinstance(n, str) and n else str(c))
        for c, n in zip(rows["code"], rows["name"], strict=True)
    }
    return level, dict(sorted(names.items()))


def _areas(
    warehouse: Warehouse, municipality: str, level: str | None, area: str | None
) -> tuple[str, dict[str, str]]:
    """The level and the areas (code → name) a template is made for."""
    return _pick(_register(warehouse, municipality, area), municipality, level, area)


def _present(
    warehouse: Warehouse, indicator: Indicator, areas: Sequence[str], years: Sequence[int]
) -> tuple[set[tuple[str, int]], set[tuple[str, str, int]]]:
    """What the engine already has: area-years with a value of the indicator, and
    (measure, area, year) with a value, stored or summed from buurten or months."""
    observations = warehouse.current_observations()
    codes, periods = list(areas), [str(y) for y in years]
    computed = compute(observations, warehouse.areas(), [indicator], embedded_mergers())
    computed = computed.filter(
        computed.area_code.isin(codes) & computed.period.isin(periods) & computed.value.notnull()
    ).select("area_code", "period")
    valued = {(str(a), int(p)) for a, p in computed.execute().itertuples(index=False)}
    wanted = sorted({CENSUS_MEASURE, *indicator.all_measures})
    additive = [] if indicator.kind is IndicatorKind.SURVEY else indicator.all_measures
    levels = expand_levels(
        yearly(observations.filter(observations.measure.isin(wanted))), warehouse.areas(), additive
    )
    levels = levels.filter(
        levels.measure.isin(indicator.all_measures)
        & levels.area_code.isin(codes)
        & levels.period.isin(periods)
        & levels.value.notnull()
    ).select("measure", "area_code", "period")
    known = {(str(m), str(a), int(p)) for m, a, p in levels.execute().itertuples(index=False)}
    return valued, known


Present = tuple[set[tuple[str, int]], set[tuple[str, str, int]]]

#: The warehouse, or how to open it when a template needs it: with ``known`` most templates
#: of a warehouse state are answered without it (``warehouses.OnDemand``).
Source = Warehouse | Callable[[], Warehouse]


def _opened(source: Source) -> Warehouse:
    return source if isinstance(source, Warehouse) else source()


def _own_register(source: Source, municipality: str, known: MutableMapping[Hashable, Any]) -> pd.DataFrame:
    """The register rows of the municipality and its areas, read once per ``known``."""
    key = ("own-register", municipality)
    if key not in known:
        known[key] = _register(_opened(source), municipality, None)
    register: pd.DataFrame = known[key]
    return register


def _own(source: Source, municipality: str, known: MutableMapping[Hashable, Any]) -> frozenset[str]:
    """The codes of the municipality and its areas, read once per ``known``."""
    key = ("own-areas", municipality)
    if key not in known:
        known[key] = frozenset(str(c) for c in _own_register(source, municipality, known)["code"])
    own: frozenset[str] = known[key]
    return own


def _areas_among(
    source: Source,
    municipality: str,
    level: str | None,
    area: str | None,
    known: MutableMapping[Hashable, Any] | None,
) -> tuple[str, dict[str, str]]:
    """``_areas``; with ``known``, picked from the municipality's register rows read once and
    kept there for its own areas (a bounded set: codes from elsewhere are asked for directly)."""
    if known is None or (area is not None and area not in _own(source, municipality, known)):
        return _areas(_opened(source), municipality, level, area)
    key = ("areas", municipality, level, area)
    if key not in known:  # picked from the municipality's rows: no query per area
        known[key] = _pick(_own_register(source, municipality, known), municipality, level, area)
    found: tuple[str, dict[str, str]] = known[key]
    return found


def _present_among(
    source: Source,
    indicator: Indicator,
    municipality: str,
    areas: Sequence[str],
    years: Sequence[int],
    known: MutableMapping[Hashable, Any] | None,
) -> Present:
    """``_present`` for ``areas``; with ``known`` (a store that lives as long as the warehouse
    state, e.g. the web snapshot's memo) the answer for every area of the municipality is
    computed once per indicator and years and the areas' part taken from it. Areas outside
    the municipality are asked for directly."""
    if known is None:
        return _present(_opened(source), indicator, areas, years)
    own = _own(source, municipality, known)
    wanted = set(areas)
    if not wanted <= own:
        return _present(_opened(source), indicator, areas, years)
    key = ("present", indicator.id, tuple(sorted(set(years))))
    if key not in known:
        known[key] = _present(_opened(source), indicator, sorted(own), years)
    valued, present = known[key]
    return {v for v in valued if v[0] in wanted}, {p for p in present if p[1] in wanted}


def _published_baseline(definitions: Definitions, indicator: Indicator) -> int | None:
    programme = definitions.programme
    for item in programme.indicators:
        if item.id == indicator.id and item.published is not None:
            value = item.published.values.get(programme.baseline_year)
            if value is not None and not isinstance(value, str):
                return programme.baseline_year
    return None


def build(
    warehouse: Source,
    definitions: Definitions,
    indicator_id: str,
    years: Sequence[int],
    level: str | None = None,
    area: str | None = None,
    known: MutableMapping[Hashable, Any] | None = None,
) -> Template:
    """Which rows a template for ``indicator_id`` holds (see the module docstring). ``known``:
    what earlier templates of the same warehouse state found (``_present_among``); then
    ``warehouse`` may be a function that opens it, called only when ``known`` lacks an answer."""
    indicator = definitions.indicator(indicator_id)
    if indicator is None:
        ids = ", ".join(i.id for i in definitions.indicators())
        raise NotFound(f"Onbekende indicator '{indicator_id}'.", hint=f"Bekende indicatoren: {ids}")
    if not years:
        raise DataError("Geen jaren opgegeven.", hint="Gebruik bijvoorbeeld --years 2021-2025.")
    municipality = definitions.programme.municipality
    area = area.strip().upper() if area else None
    level, names = _areas_among(warehouse, municipality, level, area, known)
    wanted = needed_measures(indicator)
    template = Template(indicator=indicator, level=level, years=sorted(set(years)), areas=list(names))
    baseline = _published_baseline(definitions, indicator)
    all_years = list(template.years)
    if baseline is not None and baseline not in all_years and municipality in names:
        template.baseline_year = baseline
        all_years.append(baseline)
    valued, present = _present_among(warehouse, indicator, municipality, list(names), all_years, known)
    for year in sorted(all_years):
        codes = [municipality] if year == template.baseline_year else list(names)
        for code in codes:
            if (code, year) in valued:
                continue
            for measure, note in wanted:
                if (measure, code, year) in present:
                    continue
                spec = measures.lookup(measure)
                text = (
                    note
                    if year != template.baseline_year
                    else f"{note}; basisjaar (gepubliceerde waarde toetsen)"
                )
                template.rows.append(
                    TemplateRow(code, names[code], year, measure, spec.unit if spec else "", text)
                )
    if len(template.rows) > MAX_ROWS:
        raise DataError(
            f"Het sjabloon zou {len(template.rows)} rijen krijgen.",
            hint="Kies minder jaren of een kleiner gebied (--area).",
        )
    return template


# --------------------------------------------------------------------------- writing


def instructions(template: Template) -> list[str]:
    """The Dutch instructions shown on the second sheet (and by the CLI)."""
    indicator = template.indicator
    lines = [
        f"Invulsjabloon voor '{indicator.name}' ({indicator.id}), niveau {template.level}, "
        f"jaren {', '.join(str(y) for y in template.years)}.",
        f"Bron van de indicator: {indicator.source}.",
        "Vul per rij in de kolom 'value' het cijfer in. Laat de andere kolommen staan zoals ze zijn.",
        "Aantallen zijn hele getallen van 0 of meer; de bevolking is het aantal inwoners op 1 januari.",
        "Percentages 0-100, rapportcijfers 1-10; een komma als decimaalteken mag.",
        "Een cel die leeg blijft wordt opgeslagen als 'niet bekend', nooit als 0.",
        "Verwijder de rijen die u niet kent.",
        "In het sjabloon staan alleen gebieden en jaren zonder waarde van de indicator, en daarvan "
        "alleen de cijfers die het warehouse nog niet heeft.",
        "De kolommen area_name en toelichting zijn ter informatie; de import gebruikt ze niet.",
        "Laden: veiligstad import file <dit bestand> (of de uploadpagina van het dashboard).",
        "Alleen het eerste werkblad wordt gelezen.",
    ]
    if template.baseline_year is not None:
        lines.append(
            f"Het basisjaar {template.baseline_year} staat erin omdat het programma daarvoor alleen een "
            "gepubliceerde waarde heeft: met de aantallen wordt die waarde controleerbaar."
        )
    if not template.rows:
        lines.append("Het warehouse heeft alle waarden al: er is niets in te vullen.")
    return lines


def _records(template: Template) -> list[list[object]]:
    return [[r.area_code, r.area_name, r.period, r.measure, r.unit, None, r.note] for r in template.rows]


def to_csv(template: Template) -> bytes:
    """UTF-8 with BOM and ``;`` (what Dutch Excel opens directly); text cells formula-safe."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
    writer.writerow(COLUMNS)
    for record in _records(template):
        writer.writerow(["" if cell is None else formatting.spreadsheet_text(cell) for cell in record])
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def to_xlsx(template: Template) -> bytes:
    """A workbook (XlsxWriter): sheet 1 the rows, sheet 2 the instructions; text cells formula-safe."""
    import xlsxwriter

    buffer = io.BytesIO()
    workbook = xlsxwriter.Workbook(buffer, formatting.XLSX_OPTIONS)
    bold = workbook.add_format({"bold": True})
    sheet = workbook.add_worksheet(SHEET)
    for column, width in enumerate((14, 28, 8, 30, 10, 12, 48)):
        sheet.set_column(column, column, width)
    sheet.write_row(0, 0, COLUMNS, bold)
    sheet.write_comment(
        0,
        COLUMNS.index("value"),
        "Vul hier het cijfer in. Leeg = niet bekend (nooit 0). Zie het werkblad Toelichting.",
        {"author": "veiligstad"},
    )
    for row, record in enumerate(_records(template), start=1):
        sheet.write_row(row, 0, [formatting.spreadsheet_text(cell) for cell in record])
    notes = workbook.add_worksheet(INSTRUCTIONS_SHEET)
    notes.set_column(0, 0, 120)
    notes.write_string(0, 0, "Toelichting", bold)
    for row, line in enumerate(instructions(template), start=1):
        notes.write_string(row, 0, str(formatting.spreadsheet_text(line)))
    workbook.close()
    return buffer.getvalue()


def render(template: Template, fmt: str) -> bytes:
    """The template as ``csv`` or ``xlsx`` bytes."""
    if fmt == "csv":
        return to_csv(template)
    if fmt == "xlsx":
        return to_xlsx(template)
    raise DataError(f"Onbekend formaat '{fmt}'.", hint="Kies .csv of .xlsx.")
