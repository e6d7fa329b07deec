# SPDX-License-Identifier: EUPL-1.2
"""A report as one self-contained HTML document: the web version and the source of the PDF.

The same template serves both. The stylesheet is inlined, and every chart is an SVG image
(rendered offline by vl-convert) in a ``data:`` URI with its alt text, so the file opens
anywhere without network and WeasyPrint embeds the charts as vectors. Print rules (A4,
running header and footer, page numbers, table of contents with page numbers) are CSS
``@page`` rules that browsers ignore on screen.
"""

from __future__ import annotations

import base64
import functools
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, select_autoescape

from veiligstad.reports import language
from veiligstad.reports.model import (
    Bullets,
    Chart,
    KeyFigures,
    Paragraph,
    Report,
    Section,
    Table,
    Terms,
)

TEMPLATES = Path(__file__).parent / "templates"

_SIZE = re.compile(r'<svg[^>]*?\swidth="([\d.]+)"[^>]*?\sheight="([\d.]+)"')


@dataclass(frozen=True)
class Image:
    """A chart rendered to SVG, as a data URI with its size in CSS pixels."""

    uri: str
    width: int
    height: int


def svg(spec: dict[str, Any]) -> str:
    """The chart as SVG text (vl-convert, offline)."""
    import vl_convert  # imported on use: the engine takes a moment to start

    return str(vl_convert.vegalite_to_svg(spec))


def image(spec: dict[str, Any]) -> Image:
    """The chart as an SVG data URI with its intrinsic size."""
    text = svg(spec)
    match = _SIZE.search(text)
    width, height = (round(float(match.group(1))), round(float(match.group(2)))) if match else (0, 0)
    uri = "data:image/svg+xml;base64," + base64.b64encode(text.encode("utf-8")).decode("ascii")
    return Image(uri, width, height)


def block_kind(block: object) -> str:
    """The template macro that draws a block."""
    kinds: dict[type, str] = {
        Paragraph: "paragraph",
        Bullets: "bullets",
        Terms: "terms",
        KeyFigures: "key_figures",
        Table: "table",
        Chart: "chart",
    }
    return kinds[type(block)]


def numbering(report: Report) -> dict[str, str]:
    """Section numbers: ``1``, ``2``, ``2.1`` … by section id."""
    numbers: dict[str, str] = {}

    def walk(sections: tuple[Section, ...], prefix: str) -> None:
        for index, section in enumerate(sections, start=1):
            number = f"{prefix}{index}"
            numbers[section.id] = number
            walk(section.children, number + ".")

    walk(report.sections, "")
    return numbers


@functools.cache
def environment() -> Environment:
    """The Jinja2 environment of the report templates (separate from the dashboard's)."""
    env = Environment(
        loader=FileSystemLoader(TEMPLATES),
        autoescape=select_autoescape(("html", "xml")),
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.globals["block_kind"] = block_kind
    env.globals["say"] = language.say
    env.filters["dutch_date"] = language.date
    return env


@functools.cache
def stylesheet() -> str:
    """The report stylesheet (screen and print)."""
    return (TEMPLATES / "report.css").read_text(encoding="utf-8")


def render(report: Report, images: dict[str, Image] | None = None) -> str:
    """The report as a complete HTML document; ``images`` are the rendered charts (by id),
    rendered here when not given."""
    charts = report.charts()
    if images is None:
        images = {chart.id: image(chart.spec) for chart in charts}
    figures = {chart.id: index for index, chart in enumerate(charts, start=1)}
    with language.using(report.lang):
        return (
            environment()
            .get_template("report.html")
            .render(
                report=report,
                images=images,
                figures=figures,
                numbers=numbering(report),
                css=stylesheet(),
                built=language.date(report.built_at),
            )
        )
