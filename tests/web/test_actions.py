# SPDX-License-Identifier: EUPL-1.2
"""Acties: the public programme pages, the internal editing pages, the audit trail and the
yearly evaluation. Pages with actions use their own warehouse (a copy of the web warehouse
with the fictional example actions), never the shared one."""

from __future__ import annotations

import io
import os
import re
import shutil
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest
import yaml
from axe_playwright_python.sync_playwright import Axe
from bs4 import BeautifulSoup
from fastapi import FastAPI
from fastapi.testclient import TestClient
from playwright.sync_api import Page, sync_playwright

from tests.web.conftest import PASSWORD, csrf_token, log_in, served
from tests.web.spreadsheet import dutch_csv
from tests.web.test_browser import CHROMIUM, FLAGS
from veiligstad.domain.accounts import Role
from veiligstad.domain.actions import Action
from veiligstad.services import action_files, actions, monitor
from veiligstad.settings import Settings
from veiligstad.storage.warehouse import Warehouse
from veiligstad.web.app import create_app

ROOT = Path(__file__).parent.parent.parent
EXAMPLE = ROOT / "examples" / "acties-voorbeeld.yaml"
APP = "voorbeeld-2024-buurtpreventie-app"
YOUTH = "voorbeeld-2024-jongerenwerk-avonden"
INTERNAL = "voorbeeld-2024-weerbaarheid-ondernemers"
OVERLAST = "overlast-veiligheidsbeleving"


@pytest.fixture(scope="module")
def actions_settings(web_settings: Settings, tmp_path_factory: pytest.TempPathFactory) -> Settings:
    """A copy of the web warehouse (accounts, data) with the fictional example actions."""
    source = Path(web_settings.resolved_database_url().removeprefix("duckdb://"))
    target = tmp_path_factory.mktemp("actions") / "veiligstad.duckdb"
    shutil.copy(source, target)
    url = f"duckdb://{target}"
    with Warehouse.open(url) as warehouse:
        action_files.import_actions(warehouse, EXAMPLE, monitor.load_definitions(), user="analist")
    return Settings(database_url=url, secret_key="test-secret-key-not-for-production")


@pytest.fixture(scope="module")
def actions_app(actions_settings: Settings) -> FastAPI:
    app = create_app(actions_settings)
    app.state.cache.check_seconds = 0  # see every write at once (the default waits up to 2 s)
    return app


@pytest.fixture
def visitor(actions_app: FastAPI) -> TestClient:
    return TestClient(actions_app, follow_redirects=False)


@pytest.fixture
def analist(actions_app: FastAPI) -> Iterator[TestClient]:
    yield log_in(TestClient(actions_app, follow_redirects=False), Role.ANALIST)


def _soup(client: TestClient, path: str, status: int = 200) -> BeautifulSoup:
    response = client.get(path)
    assert response.status_code == status, response.text[-2000:]
    return BeautifulSoup(response.text, "html.parser")


def _token(client: TestClient, path: str) -> str:
    return csrf_token(client, path)


# --------------------------------------------------------------------------- public pages


def test_an_empty_programme_explains_how_to_add_actions(client: TestClient) -> None:
    soup = _soup(client, "/acties")
    assert len(soup.find_all("h1")) == 1 and soup.h1.get_text(strip=True) == "Acties"
    section = soup.select_one("section.empty-programme")
    assert section is not None and "Nog geen acties — zo voegt u ze toe" in section.get_text()
    example = section.select_one("pre code")
    assert (
        example is not None
        and "actions:" in example.get_text()
        and "themes: [ondermijnende-criminaliteit]" in example.get_text()
    )
    assert "veiligstad actions import" in section.get_text()
    assert section.select_one('a[href="/intern/acties"]') is not None
    assert not soup.select("table.actions")


def test_public_actions_per_year_and_theme_without_internal_ones(visitor: TestClient) -> None:
    soup = _soup(visitor, "/acties")
    year = soup.select_one("#jaar-2024")
    assert (
        year is not None
        and "Uitvoeringsprogramma 2024" in year.get_text()
        and "(2 acties)" in year.get_text()
    )
    rows = {str(tr["data-action"]) for tr in soup.select("tr[data-action]")}
    assert rows == {APP, YOUTH}  # the internal ondermijning example is not shown
    themes = [a["href"] for a in soup.select("section h3 a")]
    assert themes == [
        f"/themas/{OVERLAST}",
        "/themas/veelvoorkomende-criminaliteit-hic",
        "/themas/verbinding-zorg-veiligheid",
    ]
    app_row = soup.select_one(f'#jaar-2024-{OVERLAST} + .table-wrap tr[data-action="{APP}"]')
    assert app_row is not None
    text = app_row.get_text(" ", strip=True)
    assert (
        "lopend" in text and "1 maart 2024 – 31 december 2024" in text and "Voorbeeldteam Veiligheid" in text
    )
    assert app_row.select_one('a[href="/gebieden/BU09350001"]').get_text() == "Jekerkwartier"
    assert app_row.select_one('a[href="/indicatoren/diefstallen-uit-woning"]') is not None
    assert INTERNAL not in soup.get_text()


def test_the_actions_table_downloads(visitor: TestClient) -> None:
    csv = visitor.get("/acties?download=acties&format=csv")
    assert csv.status_code == 200 and "text/csv" in csv.headers["content-type"]
    frame = dutch_csv(csv.content)
    assert set(frame["id"]) == {APP, YOUTH} and "laatste_voortgang" in frame.columns
    xlsx = visitor.get(f"/acties/{APP}?download=actie&format=xlsx")
    assert xlsx.status_code == 200 and pd.read_excel(io.BytesIO(xlsx.content))["id"].tolist() == [APP]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("indicator=halt-verwijzingen", {YOUTH}),
        (f"thema={OVERLAST}", {APP, YOUTH}),
        ("thema=ondermijnende-criminaliteit", set()),  # only an internal action
        ("gebied=BU09350001", {APP}),  # the buurt itself
        ("gebied=WK093500", {APP}),  # a buurt inside the wijk
        ("gebied=BU09350500", set()),
        ("gebied=SD093504", {YOUTH}),
        ("gebied=GM0935", {APP, YOUTH}),  # the whole gemeente
        ("jaar=2024", {APP, YOUTH}),
        ("jaar=2023", set()),
    ],
)
def test_filters(visitor: TestClient, query: str, expected: set[str]) -> None:
    soup = _soup(visitor, f"/acties?{query}")
    assert {str(tr["data-action"]) for tr in soup.select("tr[data-action]")} == expected
    if not expected:
        assert "Geen acties gevonden voor deze keuze." in soup.get_text()


def test_the_indicator_filter_links_back_to_the_indicator(visitor: TestClient) -> None:
    notice = _soup(visitor, "/acties?indicator=halt-verwijzingen").select_one("p.notice")
    assert notice is not None and "1 actie bij de indicator" in notice.get_text(" ", strip=True)
    assert notice.select_one('a[href="/indicatoren/halt-verwijzingen"]') is not None
    assert notice.select_one('a[href="/acties"]') is not None


@pytest.mark.parametrize(
    ("query", "status"),
    [("thema=drugs", 404), ("indicator=onbekend", 404), ("gebied=XX0000", 404), ("jaar=twintig", 400)],
)
def test_unknown_filter_values(visitor: TestClient, query: str, status: int) -> None:
    assert visitor.get(f"/acties?{query}").status_code == status


def test_action_detail_links_the_whole_chain(visitor: TestClient) -> None:
    soup = _soup(visitor, f"/acties/{APP}")
    assert soup.h1.get_text(strip=True) == "Voorbeeld: buurtpreventie-app in één buurt"
    hrefs = {a["href"] for a in soup.select("main a")}
    assert {f"/themas/{OVERLAST}", "/themas/veelvoorkomende-criminaliteit-hic"} <= hrefs
    assert {
        "/gebieden/BU09350001",
        "/indicatoren/diefstallen-uit-woning",
        "/indicatoren/onveilig-gevoel-buurt",
    } <= hrefs
    assert "/acties?indicator=diefstallen-uit-woning" in hrefs and "/acties?jaar=2024" in hrefs
    goals = [li.get_text() for li in soup.select("#doelen + ul li")]
    assert goals == ["Minder woninginbraken in de buurt", "Bewoners voelen zich veiliger"]
    indicators = soup.select_one("#indicatoren").find_next("table").get_text(" ", strip=True)
    assert "1,1" in indicators and "2021, gepubliceerd" in indicators  # the latest published value
    assert "te weinig gegevens" in indicators
    progress = soup.select_one("ul.progress-notes").get_text(" ", strip=True)
    assert (
        "30 juni 2024" in progress
        and "120 deelnemers" in progress
        and "voorbeeld" not in progress.split(":")[0]
    )
    evaluation = soup.select_one("#evaluatie").find_next("dl").get_text(" ", strip=True)
    assert "voor-na (dezelfde plek vóór en na de actie)" in evaluation and "herhalen in 2025" in evaluation
    assert "/intern/acties/" not in str(soup)  # no edit link for visitors


def test_internal_and_unknown_actions_are_not_found(visitor: TestClient) -> None:
    assert visitor.get(f"/acties/{INTERNAL}").status_code == 404
    assert visitor.get("/acties/bestaat-niet").status_code == 404


def test_english(visitor: TestClient) -> None:
    soup = _soup(visitor, "/acties?lang=en")
    assert soup.h1.get_text(strip=True) == "Actions" and "Implementation programme 2024" in soup.get_text()
    assert "in progress" in soup.get_text()


# --------------------------------------------------------------------------- internal pages


def test_internal_pages_need_their_role(actions_app: FastAPI) -> None:
    anonymous = TestClient(actions_app, follow_redirects=False)
    assert anonymous.get("/intern/acties").status_code == 303
    raad = log_in(TestClient(actions_app, follow_redirects=False), Role.RAAD)
    for path in ("/intern/acties", f"/intern/acties/{APP}", "/intern/acties/nieuw", "/intern/evaluatie/2024"):
        assert raad.get(path).status_code == 403, path
    analist = log_in(TestClient(actions_app, follow_redirects=False), Role.ANALIST)
    assert analist.get("/intern/acties").status_code == 200
    assert analist.get("/intern/audit").status_code == 403
    beheerder = log_in(TestClient(actions_app, follow_redirects=False), Role.BEHEERDER)
    assert beheerder.get("/intern/audit").status_code == 200


def test_internal_list_shows_internal_actions_too(analist: TestClient) -> None:
    soup = _soup(analist, "/intern/acties")
    assert {str(tr["data-action"]) for tr in soup.select("tr[data-action]")} == {APP, YOUTH, INTERNAL}
    assert soup.select_one(f'a[href="/intern/acties/{INTERNAL}"]') is not None
    assert soup.select_one('a[href="/intern/acties/nieuw"]') is not None
    assert soup.select_one('a[href="/intern/evaluatie/2024"]') is not None
    exported = analist.get("/intern/acties.yaml")
    assert exported.status_code == 200 and "attachment" in exported.headers["content-disposition"]
    ids = {item["id"] for item in yaml.safe_load(exported.text)["actions"]}
    assert ids >= {APP, YOUTH, INTERNAL}


def test_the_internal_list_is_read_once_per_state_and_shows_another_workers_change_at_once(
    actions_settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    app = create_app(actions_settings)  # the default check interval: the list asks for a check itself
    analist = log_in(TestClient(app, follow_redirects=False), Role.ANALIST)
    reads: list[str] = []
    real = actions.list_actions

    def counted(warehouse: Warehouse) -> list[Action]:
        reads.append(warehouse.url)
        return real(warehouse)

    monkeypatch.setattr(actions, "list_actions", counted)

    def listed() -> set[str]:
        return {str(tr["data-action"]) for tr in _soup(analist, "/intern/acties").select("tr[data-action]")}

    before = listed()
    assert listed() == before and len(reads) == 1  # the second request reads no warehouse
    url = actions_settings.resolved_database_url()
    copy_id = "2024-kopie-van-een-andere-werker"
    with Warehouse.open(url) as warehouse:  # another worker (or the CLI) saves an action
        copy = actions.revised(actions.get_action(warehouse, APP), id=copy_id, title="Kopie")
        actions.save_action(warehouse, copy, monitor.load_definitions(), user="analist", create_only=True)
    try:
        assert listed() == before | {copy_id} and len(reads) == 2  # at once, not after 2 s
    finally:
        with Warehouse.open(url) as warehouse:
            actions.delete_action(warehouse, copy_id, user="analist")
    assert listed() == before


def _form(**changes: object) -> dict[str, object]:
    data: dict[str, object] = {
        "titel": "Testactie cameratoezicht",
        "jaar": "2025",
        "omschrijving": "Een actie uit de test.",
        "themas": [OVERLAST],
        "doelen": "Minder overlast\nMeer meldingen",
        "indicatoren": ["schaalscore-overlast"],
        "gebieden": ["BU09350000"],
        "trekker": "Team Toezicht",
        "partners": "Politie\nHoreca",
        "start": "2025-03-01",
        "einde": "2025-12-31",
        "status": "gepland",
        "begrotingspost": "6.1",
        "openbaarheid": "openbaar",
        "methode": "",
        "resultaat": "",
        "conclusie": "",
        "vervolg": "",
        **changes,
    }
    return data


def test_create_edit_add_progress_and_delete_with_audit(actions_app: FastAPI, analist: TestClient) -> None:
    token = _token(analist, "/intern/acties/nieuw")
    created = analist.post("/intern/acties/nieuw", data={**_form(), "csrf_token": token})
    assert created.status_code == 303, created.text[-3000:]
    action_id = "2025-testactie-cameratoezicht"
    assert created.headers["location"] == f"/intern/acties/{action_id}?opgeslagen=ja"
    soup = _soup(analist, created.headers["location"])
    assert "Opgeslagen" in soup.select_one("p.notice").get_text()
    assert soup.select_one("#titel")["value"] == "Testactie cameratoezicht"
    assert soup.select_one(f"#thema-{OVERLAST}").has_attr("checked")
    assert soup.select_one("#gebied-BU09350000").has_attr("checked")
    version = soup.select_one('input[name="versie"]')["value"]
    # Update: the action is evaluated and finished.
    form = _form(status="afgerond", methode="procesevaluatie", conclusie="Uitgevoerd zoals bedoeld.")
    updated = analist.post(
        f"/intern/acties/{action_id}", data={**form, "versie": version, "csrf_token": token}
    )
    assert updated.status_code == 303
    # A form opened before that update is refused instead of overwriting it.
    stale = analist.post(
        f"/intern/acties/{action_id}", data={**_form(titel="Oud"), "versie": version, "csrf_token": token}
    )
    assert stale.status_code == 409 and "intussen door iemand anders gewijzigd" in stale.text
    note = analist.post(
        f"/intern/acties/{action_id}/voortgang",
        data={"datum": "2025-04-01", "tekst": "Eerste camera geplaatst", "csrf_token": token},
    )
    assert note.status_code == 303
    page = _soup(analist, f"/intern/acties/{action_id}")
    assert (
        "1 april 2025 (analist): Eerste camera geplaatst" in page.select_one("ul.progress-notes").get_text()
    )
    history = page.select_one("#geschiedenis").find_next("table").get_text(" ", strip=True)
    assert (
        "aangemaakt" in history and "gewijzigd" in history and "status" in history and "progress" in history
    )
    public = _soup(TestClient(actions_app), f"/acties/{action_id}")
    assert "Uitgevoerd zoals bedoeld." in public.get_text() and "Eerste camera geplaatst" in public.get_text()
    deleted = analist.post(f"/intern/acties/{action_id}/verwijderen", data={"csrf_token": token})
    assert (
        deleted.status_code == 303 and deleted.headers["location"] == f"/intern/acties?verwijderd={action_id}"
    )
    assert analist.get(f"/intern/acties/{action_id}").status_code == 404
    with Warehouse.open(actions_app.state.cache.url) as warehouse:
        trail = actions.audit_trail(warehouse, entity_id=action_id)
    assert [e.change.value for e in trail] == ["delete", "update", "update", "create"]
    assert all(e.user == "analist" for e in trail)
    assert trail[0].before is not None and trail[0].before["status"] == "afgerond" and trail[0].after is None
    assert trail[2].changed_fields() == ["status", "evaluation"]


def test_the_audit_trail_page_and_download(actions_app: FastAPI) -> None:
    beheerder = log_in(TestClient(actions_app, follow_redirects=False), Role.BEHEERDER)
    token = _token(beheerder, "/intern/acties/nieuw")
    beheerder.post("/intern/acties/nieuw", data={**_form(titel="Actie voor de audit"), "csrf_token": token})
    soup = _soup(beheerder, "/intern/audit")
    rows = soup.select("table.audit tbody tr")
    assert rows and rows[0]["data-change"] == "create"
    first = rows[0].get_text(" ", strip=True)
    assert "beheerder" in first and "aangemaakt" in first and "2025-actie-voor-de-audit" in first
    assert "nieuw record" in first
    imported = [r for r in rows if r["data-change"] == "import"]
    assert len(imported) == 3 and "import acties-voorbeeld.yaml" in imported[0].get_text()
    csv = beheerder.get("/intern/audit?download=audit&format=csv")
    frame = dutch_csv(csv.content, keep_default_na=False)
    assert {"tijdstip_utc", "gebruiker", "wijziging", "voor", "na"} <= set(frame.columns)
    row = frame[frame["id"] == "2025-actie-voor-de-audit"].iloc[0]
    assert (
        row["gebruiker"] == "beheerder"
        and row["voor"] == ""
        and '"title": "Actie voor de audit"' in row["na"]
    )
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", row["tijdstip_utc"])


def test_form_problems_are_listed_and_nothing_is_saved(actions_app: FastAPI, analist: TestClient) -> None:
    with Warehouse.open(actions_app.state.cache.url) as warehouse:
        before = len(actions.audit_trail(warehouse))
    token = _token(analist, "/intern/acties/nieuw")
    bad = _form(titel="X", jaar="twintig", themas=[], einde="2025-01-01", methode="", resultaat="Iets")
    response = analist.post("/intern/acties/nieuw", data={**bad, "csrf_token": token})
    assert response.status_code == 400
    soup = BeautifulSoup(response.text, "html.parser")
    errors = [li.get_text() for li in soup.select("#fouten li")]
    text = "\n".join(errors)
    assert "Jaar: vul een jaartal in" in text
    assert "Titel: te kort" in text and "Thema's: mag niet leeg zijn" in text
    assert "Evaluatie: kies een evaluatiemethode" in text
    assert soup.select_one("#titel")["value"] == "X"  # what was typed is kept
    outside = analist.post(
        "/intern/acties/nieuw", data={**_form(gebieden=["BU0363AA01"]), "csrf_token": token}
    )
    assert outside.status_code == 400 and "ligt niet in Maastricht" in outside.text
    with Warehouse.open(actions_app.state.cache.url) as warehouse:
        assert len(actions.audit_trail(warehouse)) == before


def test_a_new_action_may_not_take_an_existing_id(analist: TestClient) -> None:
    token = _token(analist, "/intern/acties/nieuw")
    response = analist.post("/intern/acties/nieuw", data={**_form(id=APP, jaar="2024"), "csrf_token": token})
    assert response.status_code == 400 and "al in gebruik" in response.text


@pytest.mark.parametrize(
    "path",
    [
        "/intern/acties/nieuw",
        f"/intern/acties/{APP}",
        f"/intern/acties/{APP}/voortgang",
        f"/intern/acties/{APP}/verwijderen",
        "/intern/evaluatie/2024",
    ],
)
def test_every_form_needs_its_token(analist: TestClient, path: str) -> None:
    analist.get("/intern/acties")  # sets the token cookie
    assert analist.post(path, data={**_form(), "csrf_token": "forged"}).status_code == 400
    assert analist.post(path, data=_form()).status_code == 400
    assert analist.get(f"/acties/{APP}").status_code == 200  # nothing was deleted


# --------------------------------------------------------------------------- yearly evaluation


def test_the_year_evaluation_shows_labels_actions_and_saves_conclusions(
    actions_app: FastAPI, analist: TestClient
) -> None:
    soup = _soup(analist, "/intern/evaluatie/2024")
    assert soup.h1.get_text(strip=True) == "Evaluatie uitvoeringsprogramma 2024"
    overlast = soup.select_one(f"#thema-{OVERLAST}").parent
    actions_text = overlast.get_text(" ", strip=True)
    assert "Voorbeeld: buurtpreventie-app in één buurt" in actions_text and "lopend" in actions_text
    assert overlast.select_one(f'a[href="/intern/acties/{INTERNAL}"]') is None
    context = soup.select_one("#context").parent.select_one('tr[data-indicator="misdrijven-totaal"]')
    cells = context.get_text(" ", strip=True)
    assert (
        "66,4" in cells
        and "63,9 (2023)" in cells
        and "geen significante verandering" in cells  # +3,9% is within the variation (φ)
    )
    token = _token(analist, "/intern/evaluatie/2024")
    themes = [t.id for t in actions_app.state.cache.get().definitions.programme.themes]
    form: dict[str, str] = {f"conclusie-{t}": "" for t in themes} | {f"bijstellingen-{t}": "" for t in themes}
    form |= {
        "samenvatting": "Fictief testjaar.",
        "auteur": "Programmamanager",
        f"conclusie-{OVERLAST}": "Op koers.",
        f"bijstellingen-{OVERLAST}": "Extra avond\nMeer toezicht",
        "csrf_token": token,
    }
    saved = analist.post("/intern/evaluatie/2024", data=form)
    assert saved.status_code == 303 and saved.headers["location"] == "/intern/evaluatie/2024?opgeslagen=ja"
    again = _soup(analist, saved.headers["location"])
    assert again.select_one(f"#conclusie-{OVERLAST}").get_text() == "Op koers."
    assert again.select_one(f"#bijstellingen-{OVERLAST}").get_text() == "Extra avond\nMeer toezicht"
    assert "opgeslagen door Programmamanager" in again.get_text(" ", strip=True)
    assert (
        analist.post("/intern/evaluatie/2024", data=form)
        .headers["location"]
        .endswith("opgeslagen=ongewijzigd")
    )
    incomplete = analist.post("/intern/evaluatie/2024", data={"csrf_token": token})
    assert incomplete.status_code == 400
    with Warehouse.open(actions_app.state.cache.url) as warehouse:
        trail = actions.audit_trail(warehouse, entity_id="2024")
    assert len(trail) == 1 and trail[0].user == "analist" and trail[0].after is not None
    csv = analist.get("/intern/evaluatie/2024?download=evaluatie&format=csv")
    assert csv.status_code == 200 and "significantie_vorige" in csv.text


def test_an_earlier_year_has_computed_changes(analist: TestClient) -> None:
    soup = _soup(analist, "/intern/evaluatie/2019")
    row = soup.select_one('tr[data-indicator="diefstallen-uit-woning"]').get_text(" ", strip=True)
    # −15% is within the series' own year-to-year variation (φ from 2014–2019): no longer "gedaald"
    assert "2,9" in row and "geen significante verandering" in row
    assert analist.get("/intern/evaluatie/1999").status_code in (400, 422)


# --------------------------------------------------------------------------- freshness


def test_an_anonymous_visitor_sees_a_new_action_at_once(actions_app: FastAPI, analist: TestClient) -> None:
    """Anonymous pages are cached per snapshot; saving an action must start a new snapshot."""
    anonymous = TestClient(actions_app)
    assert "Nieuw voor bezoekers" not in anonymous.get("/acties").text
    token = _token(analist, "/intern/acties/nieuw")
    form = _form(titel="Nieuw voor bezoekers", jaar="2026")
    assert analist.post("/intern/acties/nieuw", data={**form, "csrf_token": token}).status_code == 303
    assert "Nieuw voor bezoekers" in anonymous.get("/acties").text


# --------------------------------------------------------------------------- browser


@pytest.fixture(scope="module")
def actions_url(actions_app: FastAPI) -> Iterator[str]:
    """The app with actions served by uvicorn on a free loopback port."""
    with served(actions_app) as url:
        yield url


def _checked(page: Page, axe: Axe, folder: Path, name: str) -> list[str]:
    assert page.locator("main h1").count() == 1, f"{name}: not one h1"
    page.screenshot(
        path=str(folder / f"acties_{re.sub(r'[^a-zA-Z0-9]+', '_', name).strip('_')}.png"), full_page=True
    )
    result = axe.run(page)
    return [f"{name}: axe\n{result.generate_report()}"] if result.violations_count else []


def test_action_pages_in_chromium(actions_url: str, live_url: str, tmp_path: Path) -> None:
    """Public, internal and evaluation pages (and a form with problems): zero axe violations."""
    folder = Path(os.environ.get("VEILIGSTAD_SCREENSHOTS") or tmp_path)
    folder.mkdir(parents=True, exist_ok=True)
    axe = Axe()
    problems: list[str] = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        page = browser.new_context(viewport={"width": 1280, "height": 900}, locale="nl-NL").new_page()
        errors: list[str] = []
        page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
        page.goto(live_url + "/acties", wait_until="networkidle")  # the shared app: no actions
        problems += _checked(page, axe, folder, "leeg")
        for path in ("/acties", f"/acties/{APP}", "/acties?indicator=halt-verwijzingen&lang=en"):
            page.goto(actions_url + path, wait_until="networkidle")
            problems += _checked(page, axe, folder, path)
        page.goto(actions_url + "/inloggen")
        page.fill("#gebruikersnaam", "beheerder")
        page.fill("#wachtwoord", PASSWORD)
        page.click("main button[type=submit]")
        page.wait_for_url(actions_url + "/intern/")
        for path in ("/intern/acties", "/intern/acties/nieuw", f"/intern/acties/{APP}", "/intern/audit"):
            page.goto(actions_url + path, wait_until="networkidle")
            problems += _checked(page, axe, folder, path)
        page.goto(actions_url + "/intern/evaluatie/2024", wait_until="networkidle")
        problems += _checked(page, axe, folder, "/intern/evaluatie/2024")
        page.goto(actions_url + "/intern/acties/nieuw")
        page.fill("#titel", "Actie zonder thema")  # passes the browser's checks, not the server's
        page.click("form.action-form button[type=submit]")
        page.wait_for_selector("#fouten")
        problems += _checked(page, axe, folder, "nieuw met fouten")
        browser.close()
    assert not problems, "\n".join(problems)
    assert not [e for e in errors if "400" not in e], errors  # the refused form answers 400 on purpose
