# SPDX-License-Identifier: EUPL-1.2
"""``veiligstad publish``: the public site as files that work without a server.

The site is published once per module (and a second time, which must write nothing). The
output is checked as files: every link and source in every HTML file leads to a file that
exists, nothing points to another host, the sitemap lists every page, the published figures
are the anonymous visitor's (disclosure control) and a sample of pages opened with
``file://`` in Debian's Chromium loads nothing from elsewhere, draws its charts and has no
axe-core violations.
"""

from __future__ import annotations

import html
import importlib.util
import json
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest
from axe_playwright_python.sync_playwright import Axe
from fastapi import FastAPI
from fastapi.testclient import TestClient
from playwright.sync_api import Browser, Request, sync_playwright
from typer.testing import CliRunner

from veiligstad.cli.main import app
from veiligstad.settings import Settings
from veiligstad.web import auth, publish
from veiligstad.web.publish import MANIFEST, Summary

from .test_browser import CHROMIUM, FLAGS

BASE = "https://www.example.org/veiligheid"
LINK = re.compile(r'\s(?:href|src|action|formaction)="([^"]*)"')
#: URLs crawled per publish: the whole site (about 21,500 URLs) takes minutes on a busy 2-core
#: machine (benchmarks/publish.py); this part has every kind of file (pages in both languages,
#: downloads, API JSON, feed, a PDF report) and keeps the test short.
LIMIT = 130
#: Pages opened in Chromium: the start page, an indicator (charts), a theme, English, areas.
SAMPLE = (
    "index.html",
    "indicatoren/misdrijven-totaal/index.html",
    "themas/veelvoorkomende-criminaliteit-hic/index.html",
    "en/programma/index.html",
    "gebieden/index.html",
)


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory, web_settings: Settings) -> tuple[Path, Summary, Summary]:
    """The site published twice into one folder: the summaries of both runs. The first renders
    in two worker processes, the second (``rerender``: every URL again, though nothing changed)
    in this process: a second publish that writes nothing shows that both give the same bytes."""
    output = tmp_path_factory.mktemp("site") / "publiek"
    first = publish.publish(web_settings, output, BASE + "/", limit=LIMIT, workers=2)
    second = publish.publish(web_settings, output, BASE, limit=LIMIT, workers=1, rerender=True)
    return output, first, second


@pytest.fixture(scope="module")
def pages(site: tuple[Path, Summary, Summary]) -> list[Path]:
    return sorted(site[0].rglob("*.html"))


def test_pages_in_both_languages_and_every_kind_of_file(
    site: tuple[Path, Summary, Summary], pages: list[Path]
) -> None:
    output, first, _ = site
    names = {p.relative_to(output).as_posix() for p in pages}
    for page in ("programma", "kaart", "hotspots", "gebieden", "methode", "bronnen", "signalen", "rapporten"):
        assert f"{page}/index.html" in names
    assert {"index.html", "en/index.html", "en/programma/index.html"} <= names
    assert 'lang="en"' in (output / "en/programma/index.html").read_text(encoding="utf-8")
    assert (output / "signalen.atom").is_file()
    assert (output / "api/v1/indicatoren.json").is_file()
    assert (output / "static/vega-bundle.js").is_file()
    assert (output / "rapporten/publieksversie.pdf").read_bytes().startswith(b"%PDF")
    assert list(output.rglob("*.csv")) and list(output.rglob("*.xlsx"))
    assert not any("intern" in name or "inloggen" in name for name in names)
    assert "inloggen" not in (output / "index.html").read_text(encoding="utf-8").lower()
    assert first.files == len(json.loads((output / MANIFEST).read_text())["files"])
    assert first.written == first.files + 1  # and the list of files
    assert first.not_published == [], first.not_published


def test_reports_are_published_in_the_language_of_the_page_that_links_them(
    site: tuple[Path, Summary, Summary], tmp_path: Path
) -> None:
    """The English pages ask for ``/rapporten/x?lang=en``: the English report, in ``en/``, not
    the Dutch one (before, every report had one, Dutch, copy)."""
    output = site[0]
    dutch = (output / "rapporten/publieksversie.html").read_text(encoding="utf-8")
    english = (output / "en/rapporten/publieksversie.html").read_text(encoding="utf-8")
    assert '<html lang="nl"' in dutch and '<html lang="en"' in english
    pdf = (output / "en/rapporten/publieksversie.pdf").read_bytes()
    assert pdf.startswith(b"%PDF") and pdf != (output / "rapporten/publieksversie.pdf").read_bytes()
    (tmp_path / "en.pdf").write_bytes(pdf)
    command = ["pdftotext", str(tmp_path / "en.pdf"), "-"]
    words = subprocess.run(command, check=True, capture_output=True, text=True).stdout
    assert "Explanation of words" in words and "Uitleg van woorden" not in words


def test_every_link_leads_to_a_file_and_none_to_another_host(
    pages: list[Path], site: tuple[Path, Summary, Summary]
) -> None:
    output = site[0]
    broken: list[str] = []
    external: list[str] = []
    checked = 0
    for page in pages:
        text = page.read_text(encoding="utf-8")
        assert "testserver" not in text, page
        for raw in LINK.findall(text):
            link = html.unescape(raw)
            if link.startswith("#") or link.startswith("data:"):
                continue
            parts = urlsplit(link)
            if parts.scheme or link.startswith("//"):
                external.append(f"{page.relative_to(output)}: {link}")
                continue
            assert not link.startswith("/"), f"{page.relative_to(output)}: root-relative link {link}"
            checked += 1
            target = (page.parent / unquote(parts.path)).resolve()
            if not target.is_file() or output.resolve() not in target.parents:
                broken.append(f"{page.relative_to(output)}: {link}")
    assert checked > 500
    assert not broken, f"{len(broken)} broken links, e.g. {broken[:10]}"
    assert not external, f"links to other hosts: {external[:10]}"


def test_the_sitemap_lists_every_page_under_the_base_url(
    site: tuple[Path, Summary, Summary], pages: list[Path]
) -> None:
    output = site[0]
    listed = set(re.findall(r"<loc>([^<]+)</loc>", (output / "sitemap.xml").read_text(encoding="utf-8")))
    expected = set()
    for page in pages:
        name = page.relative_to(output).as_posix()
        expected.add(f"{BASE}/{name.removesuffix('index.html')}")
    assert listed == expected
    assert f"{BASE}/en/programma/" in listed


def test_the_feed_links_to_the_published_pages(site: tuple[Path, Summary, Summary]) -> None:
    feed = (site[0] / "signalen.atom").read_text(encoding="utf-8")
    links = re.findall(r'href="([^"]+)"', feed)
    assert links and all(link.startswith(BASE + "/") for link in links)
    published = 0
    for link in links:  # the partial site of this test leaves some pages out
        name = link.removeprefix(BASE + "/")
        target = site[0] / (name + "index.html" if name.endswith("/") or not name else name)
        published += target.is_file()
    assert f'href="{BASE}/signalen.atom"' in feed and f'href="{BASE}/signalen/"' in feed
    assert published >= 2


def test_a_second_publish_without_a_data_change_writes_nothing(site: tuple[Path, Summary, Summary]) -> None:
    _, first, second = site
    assert (first.workers, second.workers) == (2, 1)  # the same bytes from workers and in-process
    assert (second.written, second.removed) == (0, 0)
    assert second.unchanged == first.files + 1
    assert second.files == first.files and second.bytes == first.bytes
    assert not second.reused and second.urls == first.urls == LIMIT


def test_an_unchanged_site_is_checked_not_rendered_and_a_damaged_file_is_restored(
    tmp_path: Path, web_settings: Settings
) -> None:
    """Same data, definitions, code and options: the files are hashed and nothing is rendered.
    A file changed or removed by hand since then: everything is rendered and only it written."""
    output = tmp_path / "publiek"
    first = publish.publish(web_settings, output, BASE, limit=12, workers=1)
    again = publish.publish(web_settings, output, BASE, limit=12, workers=1)
    assert again.reused and (again.urls, again.written, again.removed) == (0, 0, 0)
    assert (again.files, again.bytes, again.pages) == (first.files, first.bytes, first.pages)
    assert again.unchanged == first.files + 1 and "pagina's" not in again.stages
    listed = json.loads((output / MANIFEST).read_text())
    assert set(first.sources) < set(listed["files"]) and len(listed["files"]) == first.files
    page = output / "programma" / "index.html"
    original = page.read_bytes()
    page.write_bytes(original.replace(b"</main>", b"<p>ingevoegd</p></main>"))
    (output / "sitemap.xml").unlink()
    repaired = publish.publish(web_settings, output, BASE, limit=12, workers=1)
    assert not repaired.reused and repaired.urls == 12
    assert (repaired.written, repaired.removed) == (2, 0)  # the page and the sitemap; the list is the same
    assert page.read_bytes() == original and (output / "sitemap.xml").exists()
    other = publish.publish(web_settings, output, "https://elders.example.org", limit=12, workers=1)
    assert not other.reused and other.written > 0  # another base URL: another site


def test_a_download_by_its_own_path_keeps_the_servers_file_name() -> None:
    """A fill-in template is a download without ``download=``: it gets the name the server gives
    it (with its extension, so a web server sends the right type and an XLSX is made stable)."""
    headers = {
        "content-type": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        "content-disposition": 'attachment; filename="invulsjabloon-winkeldiefstallen-wijk.xlsx"',
    }
    found = publish.sort(
        "en",
        "/invulsjabloon?indicator=winkeldiefstallen&formaat=xlsx&niveau=wijk",
        publish.Answer(200, headers, b"PK"),
    )
    assert found.resource is not None and found.resource.kind == "file"
    folder = "en/invulsjabloon/formaat-xlsx/indicator-winkeldiefstallen/niveau-wijk"
    assert found.resource.path == f"{folder}/invulsjabloon-winkeldiefstallen-wijk.xlsx"
    report = publish.sort(
        "nl",
        "/rapporten/gebiedsprofiel.pdf?gebied=WK093500",
        publish.Answer(
            200,
            {
                "content-type": "application/pdf",
                "content-disposition": 'attachment; filename="gebiedsprofiel-wk093500-2024.pdf"',
            },
            b"%PDF",
        ),
    )
    assert (
        report.resource is not None
        and report.resource.path == "rapporten/gebiedsprofiel--gebied-WK093500.pdf"
    )


def test_area_json_made_directly_is_the_apps_answer_byte_for_byte(web_settings: Settings) -> None:
    """``direct`` writes each area's JSON without asking the app: the same bytes and links as
    the app's answer, for every level and for areas without a name or parents; an unknown
    code and any other URL are left to the app (its 404)."""
    cache, app = publish._site_app(web_settings, None)
    snapshot = cache.get()
    answer = publish.direct(snapshot)
    renderer = publish.Renderer(app)
    try:
        codes = list(snapshot.areas.groupby("level")["code"].first()) + list(
            snapshot.areas["code"].sample(40, random_state=1)
        )
        for code in codes:
            url = f"/api/v1/gebieden/{code}"
            made = answer("nl", url)
            asked = publish.sort("nl", url, renderer.get("nl", url))
            assert made is not None and made.resource is not None and asked.resource is not None
            assert made.resource.body == asked.resource.body, code
            assert (made.resource.path, made.resource.kind, made.links) == (
                asked.resource.path,
                asked.resource.kind,
                asked.links,
            )
        assert answer("nl", "/api/v1/gebieden/XX0000") is None
        assert renderer.get("nl", "/api/v1/gebieden/XX0000").status == 404
        assert answer("nl", "/api/v1/gebieden") is None and answer("nl", "/gebieden/GM0935") is None
    finally:
        renderer.close()


def test_files_no_longer_in_the_site_are_removed_and_nothing_else(tmp_path: Path) -> None:
    output = tmp_path / "site"
    output.mkdir()
    (output / "eigen.txt").write_text("van de webredactie")
    with pytest.raises(publish.VeiligstadError, match="niet leeg"):
        publish.write(output, {"a/index.html": b"x"}, Summary(output))
    (output / "eigen.txt").unlink()
    publish.write(output, {"a/index.html": b"x", "b/c/index.html": b"y"}, Summary(output))
    (output / "eigen.txt").write_text("later toegevoegd")
    summary = Summary(output)
    publish.write(output, {"a/index.html": b"z"}, summary)
    assert (summary.written, summary.removed) == (2, 1)  # a/index.html and the list; b/c/index.html
    assert not (output / "b").exists() and (output / "eigen.txt").exists()
    assert (output / "a/index.html").read_bytes() == b"z"


@pytest.mark.parametrize(
    "listed", [["../buiten.txt"], {"/etc/hostname": "x"}, ["a/../../buiten.txt"], [""], "x"]
)
def test_a_list_that_names_files_outside_the_folder_is_refused(tmp_path: Path, listed: object) -> None:
    """A tampered ``.veiligstad-site.json`` must not make publish read or remove other files."""
    output = tmp_path / "site"
    output.mkdir()
    outside = tmp_path / "buiten.txt"
    outside.write_text("van iemand anders")
    (output / MANIFEST).write_text(json.dumps({"key": "k", "files": listed}))
    with pytest.raises(publish.VeiligstadError, match="onleesbaar"):
        publish.write(output, {"a/index.html": b"x"}, Summary(output))
    with pytest.raises(publish.VeiligstadError, match="onleesbaar"):
        publish.kept_site(output, "k")
    assert outside.read_text() == "van iemand anders"


def test_an_output_that_is_a_file_or_cannot_be_written_is_refused_in_dutch(
    tmp_path: Path, web_settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Before any work: a file instead of a folder, or a folder under a file."""
    existing = tmp_path / "site.html"
    existing.write_text("x")
    with pytest.raises(publish.VeiligstadError, match="is een bestand, geen map"):
        publish.publish(web_settings, existing)
    with pytest.raises(publish.VeiligstadError, match="een deel van het pad is een bestand"):
        publish.publish(web_settings, existing / "publiek")
    monkeypatch.setenv("VEILIGSTAD_DATABASE_URL", web_settings.resolved_database_url())
    result = CliRunner().invoke(app, ["publish", "--output", str(existing)])
    assert result.exit_code == 1
    assert "is een bestand, geen map" in result.output and "Traceback" not in result.output


@pytest.mark.usefixtures("site")
def test_the_publish_benchmark_runs_at_a_tiny_scale(tmp_path: Path, web_settings: Settings) -> None:
    """``benchmarks/publish.py`` on the tests' warehouse, 25 URLs in one process: the figures it
    prints are there and the second publish writes nothing. (After ``site``: the figures of the
    warehouse are stored then, and the benchmark reads them instead of computing them.)"""
    path = Path(__file__).resolve().parents[2] / "benchmarks" / "publish.py"
    spec = importlib.util.spec_from_file_location("publish_benchmark", path)
    assert spec is not None and spec.loader is not None
    benchmark = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = benchmark
    spec.loader.exec_module(benchmark)
    figures = tmp_path / "figures.json"
    args = ["--limit", "25", "--workers", "1", "--database", web_settings.resolved_database_url()]
    result = benchmark.main([*args, "--json", str(figures)])
    first, second, third = result["runs"]
    assert first["urls"] == 25 and first["files"] > 10 and first["written"] == first["files"] + 1
    assert second["reused"] and (second["urls"], second["written"]) == (0, 0)
    assert not third["reused"] and third["urls"] == 25
    for run in (second, third):
        assert (run["written"], run["unchanged"]) == (0, first["files"] + 1)
    assert result["peak_mb"] > 50 and {"cijfers", "pagina's", "schrijven"} <= set(first["stages"])
    assert json.loads(figures.read_text())["runs"][0]["files"] == first["files"]


def test_published_figures_are_what_an_anonymous_visitor_gets(
    site: tuple[Path, Summary, Summary], web_app: FastAPI
) -> None:
    """Disclosure control: every published CSV is byte for byte the download a visitor without
    an account gets, and every published API file of values has the same figures."""
    output, first, _ = site
    visitors = {"nl": TestClient(web_app), "en": TestClient(web_app)}
    visitors["en"].cookies.set(auth.LANG_COOKIE, "en")
    compared = 0
    for name, (lang, url) in sorted(first.sources.items()):
        if name.endswith(".csv"):
            live = visitors[lang].get(url)
            assert live.status_code == 200, url
            body = (output / name).read_bytes()
            assert body == live.content, name
            compared += 1
        elif name.endswith(".json") and "/waarden" in name:
            live = visitors[lang].get(url)
            published = json.loads((output / name).read_text(encoding="utf-8"))
            assert list(_figures(published)) == list(_figures(live.json())), name
            compared += 1
    assert compared >= 10


def _figures(value: object) -> Iterator[object]:
    """The figures of a JSON answer in order: everything but the text (links point to files)."""
    if isinstance(value, dict):
        for item in value.values():
            yield from _figures(item)
    elif isinstance(value, list):
        for item in value:
            yield from _figures(item)
    elif not isinstance(value, str):
        yield value


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    assert Path(CHROMIUM).exists(), "Debian chromium is missing: apt-get install chromium (see .ci/run)"
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        yield launched
        launched.close()


def test_sample_pages_from_files_in_chromium(browser: Browser, site: tuple[Path, Summary, Summary]) -> None:
    """Opened as ``file://``: no request leaves the folder, charts draw, axe finds nothing."""
    axe = Axe()
    problems: list[str] = []
    for name in SAMPLE:
        context = browser.new_context(viewport={"width": 1280, "height": 900})
        page = context.new_page()
        requests: list[str] = []
        errors: list[str] = []

        def on_request(request: Request, requests: list[str] = requests) -> None:
            requests.append(request.url)

        page.on("request", on_request)
        page.on("pageerror", lambda exc, errors=errors: errors.append(str(exc)))
        page.goto((site[0] / name).as_uri(), wait_until="load")
        if page.locator("div.vega[data-spec]").count():
            page.wait_for_selector("div.vega.drawn", timeout=30000)
        assert page.locator("main h1").count() >= 1, f"{name}: no h1"
        result = axe.run(page)
        if result.violations_count:
            problems.append(f"{name}: axe\n{result.generate_report()}")
        problems += [
            f"{name}: request outside the folder: {u}" for u in requests if not u.startswith("file://")
        ]
        problems += [f"{name}: script error: {e}" for e in errors]
        context.close()
    assert not problems, "\n".join(problems)
