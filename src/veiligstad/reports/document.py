# SPDX-License-Identifier: EUPL-1.2
"""A report from the snapshot: pick the kind, cut the figures to the year and audience, and
put the title page facts and the sections together.

Pure: everything comes in through ``services.reporting.Inputs`` (the snapshot, the hotspot
analysis, the key figures, the actions); rendering is ``reports.html`` and ``reports.pdf``.
"""

from __future__ import annotations

from veiligstad.errors import BadRequest
from veiligstad.reports import area as area_report
from veiligstad.reports import midterm, progress, public
from veiligstad.reports.language import label, say, using
from veiligstad.reports.model import Report, ReportKind, Section
from veiligstad.reports.sections import newest
from veiligstad.reports.view import View, cut
from veiligstad.services.reporting import Inputs


def _data_until(view: View) -> str:
    return say("gegevens tot en met {year}", "data up to and including {year}", year=view.year)


def _sections(kind: ReportKind, view: View, area_code: str | None) -> tuple[str, str, tuple[Section, ...]]:
    """Title, subtitle and sections of one kind of report."""
    programme = view.programme
    if kind is ReportKind.PROGRESS:
        return f"{kind.label} {view.year}", programme.title, progress.build(view)
    if kind is ReportKind.MIDTERM:
        span = f"{programme.period_start}–{programme.period_end}"
        return f"{kind.label} {span}", programme.title, midterm.build(view)
    if kind is ReportKind.AREA:
        if not area_code:
            raise BadRequest(
                "Een gebiedsprofiel is voor één gebied: geef een gebiedscode.",
                hint="Bijvoorbeeld --area WK093500 (wijk) of BU09350000 (buurt); zie `veiligstad areas`.",
            )
        area = area_report.resolve(view, area_code)
        name = str(area.get("name") or area["code"])
        return (
            f"{kind.label} {name}",
            f"{label(str(area['level'])).capitalize()} in {view.city}",
            area_report.build(view, area),
        )
    return (
        say("Veiligheid in {city} {year}", "Safety in {city} {year}", city=view.city, year=view.year),
        say("Publieksversie van het {title}", "Public version of the {title}", title=programme.title),
        public.build(view),
    )


def build(
    kind: ReportKind,
    inputs: Inputs,
    *,
    year: int | None = None,
    area: str | None = None,
    public_only: bool = True,
    lang: str = "nl",
) -> Report:
    """The report of ``kind`` up to ``year`` (default: the newest year with figures), in ``lang``.

    ``public_only`` uses the figures after disclosure control; the publieksversie always does.
    """
    with using(lang) as chosen:
        view = cut(inputs, year, public_only or kind is ReportKind.PUBLIC, chosen)
        return _report(kind, view, area)


def _report(kind: ReportKind, view: View, area: str | None) -> Report:
    title, subtitle, sections = _sections(kind, view, area)
    programme = view.programme
    municipality = say("Gemeente {city}", "Municipality of {city}", city=view.city)
    return Report(
        kind=kind,
        title=title,
        subtitle=subtitle,
        municipality=municipality,
        programme=programme.title,
        built_at=view.snapshot.built_at,
        data_until=_data_until(view),
        newest=newest(view),
        sections=sections,
        public=view.public,
        year=view.year,
        area_code=(area or "").strip().upper() if kind is ReportKind.AREA else "",
        author=municipality,
        keywords=(say("veiligheid", "safety"), view.city, kind.label.lower(), programme.title),
        lang=view.lang,
    )
