# SPDX-License-Identifier: EUPL-1.2
"""``veiligstad init --municipality GMxxxx``: a starter programme for another municipality.

The starter file holds the gemeente's name (from the area register), the 4+2 themes of
the Maastricht MJP as an editable starting point, and the catalogue indicators that the
embedded data can compute for that gemeente. It never contains published values: those
come from the municipality's own adopted programme. The summary says which embedded
figures exist for the gemeente and how to import buurt data when online.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from veiligstad.definitions.loader import load_catalogue, load_programme
from veiligstad.domain.indicators import Indicator
from veiligstad.errors import DataError, NotFound
from veiligstad.storage.warehouse import Warehouse

GEMEENTE_CODE = re.compile(r"^GM\d{4}$")

#: The 4 speerpunten and 2 aandachtspunten of the Maastricht MJP 2023–2026, as a template.
TEMPLATE_THEMES = (
    ("ondermijnende-criminaliteit", "Ondermijnende criminaliteit", "speerpunt"),
    ("overlast-veiligheidsbeleving", "Veiligheidsgerelateerde overlast/veiligheidsbeleving", "speerpunt"),
    ("veelvoorkomende-criminaliteit-hic", "Veelvoorkomende criminaliteit/HIC", "speerpunt"),
    ("verbinding-zorg-veiligheid", "Verbinding zorg en veiligheid", "speerpunt"),
    ("gedigitaliseerde-criminaliteit", "Gedigitaliseerde criminaliteit", "aandachtspunt"),
    ("maatschappelijke-onrust-openbare-orde", "Maatschappelijke onrust/openbare orde", "aandachtspunt"),
)

#: Measures shown in the summary, with their Dutch description.
SUMMARY_MEASURES = {
    "misdrijven:0.0.0": "geregistreerde misdrijven (politie, 0.0.0)",
    "misdrijven-scm:T001161": "geregistreerde misdrijven (CBS, T001161)",
    "cbs-misdrijven-per-1000-inwoners:T001161": "misdrijven per 1.000 inwoners volgens CBS (benchmark)",
    "inwoners": "inwoners op 1 januari",
}
BUURT_POPULATION_YEAR = 2024
BUURT_TABLE = "47018NED"


@dataclass
class MunicipalitySummary:
    """What the embedded data have for one gemeente."""

    code: str
    name: str
    years: dict[str, list[int]] = field(default_factory=dict)
    kwb: dict[str, list[int]] = field(default_factory=dict)
    buurten: int = 0
    buurten_with_population: int = 0
    wijken: int = 0
    indicators: list[str] = field(default_factory=list)
    programme_file: str = ""
    import_command: str = ""


def normalise_code(code: str) -> str:
    """``gm0363`` → ``GM0363``; anything else is refused with the expected form."""
    cleaned = code.strip().upper()
    if cleaned.isdigit() and len(cleaned) <= 4:
        cleaned = f"GM{cleaned.zfill(4)}"
    if not GEMEENTE_CODE.match(cleaned):
        raise NotFound(
            f"'{code}' is geen gemeentecode.",
            hint="Een gemeentecode is GM met vier cijfers, bijvoorbeeld GM0363 (Amsterdam).",
        )
    return cleaned


def gemeente_name(warehouse: Warehouse, code: str) -> str:
    """The gemeente's name from the area register; NotFound (Dutch) when unknown."""
    areas = warehouse.areas()
    rows = areas.filter((areas.code == code) & (areas.level == "gemeente")).select("name").to_pandas()
    if rows.empty:
        raise NotFound(
            f"Onbekende gemeente '{code}': die code staat niet in de gebiedsindeling.",
            hint="Zie de CBS-lijst van gemeentecodes; "
            "opgeheven gemeenten (na een herindeling) hebben geen eigen programma meer.",
        )
    return str(rows.iloc[0]["name"])


def summarise(
    warehouse: Warehouse, code: str, indicators: list[Indicator] | None = None
) -> MunicipalitySummary:
    """Years per measure, KWB figures and buurt coverage of the embedded data for a gemeente."""
    summary = MunicipalitySummary(code=code, name=gemeente_name(warehouse, code))
    obs = warehouse.observations()
    own = obs.filter(obs.area_code == code).select("measure", "year").distinct().to_pandas()
    for measure in SUMMARY_MEASURES:
        years = sorted(int(y) for y in own.loc[own["measure"] == measure, "year"])
        if years:
            summary.years[measure] = years
    kwb = own[own["measure"].str.startswith("kwb:")]
    for measure, group in kwb.groupby("measure"):
        summary.kwb[str(measure)] = sorted(int(y) for y in group["year"])
    areas = warehouse.areas()
    children = areas.filter(areas.gemeente_code == code).select("code", "level").to_pandas()
    buurten = set(children.loc[children["level"] == "buurt", "code"])
    summary.buurten = len(buurten)
    summary.wijken = int((children["level"] == "wijk").sum())
    population = (
        obs.filter(
            (obs.measure == "inwoners")
            & (obs.year == BUURT_POPULATION_YEAR)
            & obs.area_code.isin(list(buurten))
        )
        .filter(obs.value.notnull())
        .area_code.nunique()
        .execute()
        if buurten
        else 0
    )
    summary.buurten_with_population = int(population)
    measures = set(own["measure"])
    summary.indicators = [i.id for i in (indicators or []) if computable(i, measures)]
    summary.import_command = f"veiligstad import cbs {BUURT_TABLE} --municipality {code}"
    return summary


def computable(indicator: Indicator, measures: set[str]) -> bool:
    """Whether the gemeente's own observations hold the numerator (or fallback) and denominator."""
    numerator = bool(indicator.numerator) and set(indicator.numerator) <= measures
    fallback = bool(indicator.fallback_numerator) and set(indicator.fallback_numerator) <= measures
    denominator = indicator.denominator is None or indicator.denominator in measures
    return (numerator or fallback) and denominator


def _slug(name: str) -> str:
    text = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")
    return text or "gemeente"


def starter_yaml(code: str, name: str, indicators: list[str], today: dt.date) -> str:
    """The text of a starter programme: valid as it is, and clearly a template to adapt."""
    start = today.year
    slug = _slug(name)
    lines = [
        "# SPDX-License-Identifier: EUPL-1.2",
        f"# Startprogramma voor {name} ({code}), gemaakt met `veiligstad init --municipality {code}`",
        f"# op {today.isoformat()}.",
        "#",
        "# DIT IS EEN SJABLOON. Pas het aan aan het vastgestelde meerjarenprogramma van de gemeente:",
        "#  - titel, looptijd (period_start/period_end) en basisjaar (baseline_year);",
        "#  - het raadsbesluit (decision: orgaan, datum, stemming), zie het Maastrichtse programma;",
        "#  - de thema's: hieronder staan de 4 speerpunten en 2 aandachtspunten van het MJP",
        "#    Veiligheid Maastricht 2023-2026 als voorbeeld; schrap, hernoem of voeg toe;",
        "#  - de indicatoren: hieronder alleen die de ingebouwde gegevens voor deze gemeente kunnen",
        "#    berekenen; koppel ze aan een thema (theme: …) en voeg gepubliceerde waarden",
        "#    (published: …) alleen toe als ze in het vastgestelde programma staan.",
        "# Controleer daarna met: veiligstad validate <dit bestand>",
        f"id: {slug}-veiligheid-{start}-{start + 3}",
        f'title: "Meerjarenprogramma Veiligheid {name} {start}-{start + 3} (concept)"',
        f"municipality: {code}",
        f'municipality_name: "{name}"',
        f"period_start: {start}",
        f"period_end: {start + 3}",
        f"baseline_year: {start - 2}",
        'legal_basis: "Politiewet 2012, artikel 38b, eerste lid"',
        "# decision: vul in zodra de raad het programma heeft vastgesteld.",
        "themes:",
    ]
    for theme_id, theme_name, kind in TEMPLATE_THEMES:
        lines += [f"  - id: {theme_id}", f'    name: "{theme_name}"', f"    kind: {kind}"]
    if indicators:
        lines.append("indicators:")
        lines.append("  # Zonder theme: een contextindicator. Voeg 'theme: <thema-id>' toe om te koppelen.")
        lines += [f"  - id: {indicator}" for indicator in indicators]
    else:
        lines.append("indicators: []")
    lines += [
        "notes:",
        f'  - "Concept op basis van het sjabloon van veiligstad; nog niet vastgesteld door de raad '
        f'van {name}."',
    ]
    return "\n".join(lines) + "\n"


def default_output(code: str) -> Path:
    """``./programma-gm0363.yaml``."""
    return Path(f"programma-{code.lower()}.yaml")


def write_starter(
    warehouse: Warehouse,
    code: str,
    output: Path | None = None,
    force: bool = False,
    catalogue: Path | None = None,
    today: dt.date | None = None,
) -> MunicipalitySummary:
    """Write the starter programme (refusing to overwrite unless ``force``) and summarise."""
    code = normalise_code(code)
    indicators = list(load_catalogue(catalogue).indicators)
    summary = summarise(warehouse, code, indicators)
    target = output or default_output(code)
    if target.exists() and not force:
        raise DataError(
            f"{target} bestaat al; er is niets overschreven.",
            hint="Kies een ander bestand met --output, of overschrijf met --force.",
        )
    text = starter_yaml(code, summary.name, summary.indicators, today or dt.datetime.now(dt.UTC).date())
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, encoding="utf-8")
    except OSError as exc:
        raise DataError(f"Kan {target} niet schrijven: {exc.strerror}.") from exc
    load_programme(target)  # the template must be valid as written
    summary.programme_file = str(target)
    return summary


def years_text(years: list[int]) -> str:
    """``2010–2020, 2022–2024``: runs of consecutive years."""
    if not years:
        return "–"
    runs: list[tuple[int, int]] = []
    for year in sorted(set(years)):
        if runs and year == runs[-1][1] + 1:
            runs[-1] = (runs[-1][0], year)
        else:
            runs.append((year, year))
    return ", ".join(f"{a}" if a == b else f"{a}–{b}" for a, b in runs)


def summary_frame(summary: MunicipalitySummary) -> pd.DataFrame:
    """One row per figure: what it is and the years available."""
    rows = [{"meting": SUMMARY_MEASURES[m], "jaren": years_text(y)} for m, y in summary.years.items()]
    rows += [{"meting": m, "jaren": years_text(y)} for m, y in summary.kwb.items()]
    return pd.DataFrame(rows, columns=["meting", "jaren"])
