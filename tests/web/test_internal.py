# SPDX-License-Identifier: EUPL-1.2
"""Intern: every page for its role, raw values, uploads, sources history and accounts.

Pages that only read use the shared session app. Uploads and account changes write, so
they run against an app of their own (``own_app``) with its own warehouse, and leave the
warehouse of the other web tests alone.
"""

from __future__ import annotations

import io
import os
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import openpyxl
import pandas as pd
import pytest
from axe_playwright_python.sync_playwright import Axe
from bs4 import BeautifulSoup
from fastapi import FastAPI
from fastapi.testclient import TestClient
from playwright.sync_api import Browser, Page, sync_playwright

from tests.web.conftest import PASSWORD, csrf_token, log_in, settings_with_accounts
from tests.web.spreadsheet import dutch_csv
from tests.web.test_browser import CHROMIUM, FLAGS
from veiligstad.domain.accounts import Role, User
from veiligstad.services import accounts
from veiligstad.settings import Settings
from veiligstad.storage.warehouse import Warehouse
from veiligstad.web import auth
from veiligstad.web.app import create_app
from veiligstad.web.pages.internal import uploads as internal_uploads

UPLOADS = Path(__file__).parents[1] / "fixtures" / "uploads"

#: Each internal page, the role it needs and the role just below.
PAGES = [
    ("/intern/", Role.RAAD, Role.PUBLIEK),
    ("/intern/waarden", Role.ANALIST, Role.RAAD),
    ("/intern/uploads", Role.ANALIST, Role.RAAD),
    ("/intern/bronnen", Role.BEHEERDER, Role.ANALIST),
    ("/intern/gebruikers", Role.BEHEERDER, Role.ANALIST),
]


def _as(app: FastAPI, role: Role) -> TestClient:
    return log_in(TestClient(app, follow_redirects=False), role)


def _soup(text: str) -> BeautifulSoup:
    return BeautifulSoup(text, "html.parser")


def _main_text(text: str) -> str:
    main = _soup(text).find("main")
    assert main is not None
    return " ".join(main.get_text(" ").split())


def _token(client: TestClient) -> str:
    return client.cookies.get(auth.CSRF_COOKIE) or ""


@pytest.fixture(scope="module")
def own_settings(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    """A warehouse of this module only (as ``web_settings``): uploads and accounts write here."""
    return settings_with_accounts(tmp_path_factory.mktemp("intern"))


@pytest.fixture(scope="module")
def own_app(own_settings: Settings) -> FastAPI:
    """The app over that warehouse; its snapshot is checked on every request."""
    app = create_app(own_settings)
    app.state.cache.check_seconds = 0
    return app


def _upload(
    client: TestClient, name: str, data: bytes, token: str | None = None, **fields: str
) -> tuple[int, str]:
    response = client.post(
        "/intern/uploads",
        data={"csrf_token": _token(client) if token is None else token, **fields},
        files={"bestand": (name, data, "text/csv")},
    )
    return response.status_code, response.text


def _batches(settings: Settings, source_id: str) -> pd.DataFrame:
    with Warehouse.open(settings.database_url) as warehouse:
        batches = warehouse.batches()
        frame: pd.DataFrame = batches.filter(batches.source_id == source_id).to_pandas()
    return frame


def _observation_count(settings: Settings) -> int:
    with Warehouse.open(settings.database_url) as warehouse:
        return int(warehouse.observations().count().execute())


# --------------------------------------------------------------------------- roles


@pytest.mark.parametrize(("path", "role", "below"), PAGES)
def test_each_page_opens_for_its_role_and_not_for_the_role_below(
    web_app: FastAPI, path: str, role: Role, below: Role
) -> None:
    page = _as(web_app, role).get(path)
    assert page.status_code == 200
    assert page.headers["cache-control"] == "no-store"
    assert len(_soup(page.text).find_all("h1")) == 1
    assert _as(web_app, below).get(path).status_code == 403
    anonymous = TestClient(web_app, follow_redirects=False).get(path)
    assert anonymous.status_code == 303 and anonymous.headers["location"].startswith("/inloggen")


@pytest.mark.parametrize(
    ("role", "visible"),
    [
        (Role.RAAD, set()),
        (Role.ANALIST, {"/intern/waarden", "/intern/uploads", "/intern/acties", "/intern/evaluatie"}),
        (
            Role.BEHEERDER,
            {
                "/intern/waarden",
                "/intern/uploads",
                "/intern/acties",
                "/intern/evaluatie",
                "/intern/bronnen",
                "/intern/gebruikers",
                "/intern/audit",
            },
        ),
    ],
)
def test_landing_links_only_to_what_the_role_may_open(
    web_app: FastAPI, role: Role, visible: set[str]
) -> None:
    page = _as(web_app, role).get("/intern/")
    main = _soup(page.text).find("main")
    assert main is not None
    links = {str(a["href"]) for a in main.find_all("a", href=True) if str(a["href"]).startswith("/intern/")}
    assert links == visible
    text = _main_text(page.text)
    assert f"Ingelogd als {role.value}" in text and role.label in text


def test_landing_shows_data_date_and_signals(web_app: FastAPI) -> None:
    snapshot = web_app.state.cache.get()
    text = _main_text(_as(web_app, Role.RAAD).get("/intern/").text)
    assert "Cijfers berekend op" in text and str(snapshot.built_at.year) in text
    assert "Nieuwste indicatorwaarden 2024: Geregistreerde misdrijven" in text
    assert "Nieuwste brongegevens 2025 (tot en met 31 december 2025)" in text
    assert f"{len(snapshot.alerts)} in totaal" in text


# --------------------------------------------------------------------------- raw values

BUURTEN_2023 = "/intern/waarden?indicator=misdrijven-totaal&niveau=buurt&periode=2023"


def test_raw_values_show_small_counts_that_public_pages_hide(web_app: FastAPI) -> None:
    client = _as(web_app, Role.ANALIST)
    page = client.get(BUURTEN_2023)
    assert page.status_code == 200
    text = _main_text(page.text)
    assert "Intern: bevat kleine aantallen — niet publiceren." in text
    rows = _soup(page.text).select("main table")[0].select("tbody tr")
    assert len(rows) == 44  # every Maastricht buurt
    by_code = {r.find("th").find("span").get_text(): r for r in rows}
    small = by_code["BU09350304"]  # Lanakerveld: 3 registered crimes in 2023
    cells = [" ".join(c.get_text(" ").split()) for c in small.find_all(["th", "td"])]
    assert "small-count" in small["class"]
    assert cells[3] == "3 klein aantal" and cells[4].startswith("65")
    assert cells[5] == "46,2" and cells[8] == "afgeschermd (< 5)"
    centre = [" ".join(c.get_text(" ").split()) for c in by_code["BU09350000"].find_all(["th", "td"])]
    assert centre[3] == "1.232" and centre[5] == "558,7" and centre[8] == "getoond"
    public = web_app.state.cache.get().public_values
    hidden = public[(public["area_code"] == "BU09350304") & (public["period"] == "2023")]
    assert hidden["suppressed"].all() and hidden["numerator"].isna().all()


def test_raw_values_download_has_the_raw_counts(web_app: FastAPI) -> None:
    client = _as(web_app, Role.ANALIST)
    csv = client.get(BUURTEN_2023 + "&download=waarden&format=csv")
    assert csv.status_code == 200 and "niet-publiceren" in csv.headers["content-disposition"]
    frame = dutch_csv(csv.content)
    row = frame[frame["area_code"] == "BU09350304"].iloc[0]
    assert row["numerator"] == 3 and bool(row["klein_aantal"]) and bool(row["openbaar_afgeschermd"])
    xlsx = client.get(BUURTEN_2023 + "&download=waarden&format=xlsx")
    sheet = openpyxl.load_workbook(io.BytesIO(xlsx.content)).active
    assert sheet is not None and sheet.max_row == 45


def test_raw_values_default_and_filters(web_app: FastAPI) -> None:
    client = _as(web_app, Role.ANALIST)
    page = _soup(client.get("/intern/waarden").text)
    selected = page.select_one("#f-indicator option[selected]")
    assert selected is not None and selected["value"] == "misdrijven-totaal"
    everywhere = client.get("/intern/waarden?indicator=misdrijven-totaal&periode=&bereik=alle")
    text = _main_text(everywhere.text)
    assert "hieronder de eerste 500" in text
    rows = _soup(everywhere.text).select("main table")[0].select("tbody tr")
    codes = list(dict.fromkeys(r.find("th").find("span").get_text() for r in rows))
    assert codes[:2] == ["NL01", "GM0935"] and "BU09350000" in codes[:60]  # own areas first
    assert client.get("/intern/waarden?indicator=bestaat-niet").status_code == 404
    assert client.get("/intern/waarden?niveau=provincie").status_code == 400
    assert client.get("/intern/waarden?gebied=GM0935;DROP").status_code == 400
    empty = client.get("/intern/waarden?indicator=misdrijven-totaal&periode=1999")
    assert "geen waarden in periode 1999" in _main_text(empty.text)


def test_raw_observations_for_a_measure_and_area(web_app: FastAPI) -> None:
    client = _as(web_app, Role.ANALIST)
    url = "/intern/waarden?indicator=misdrijven-totaal&maat=misdrijven:0.0.0&gebied=gm0935"
    page = client.get(url)
    tables = _soup(page.text).select("main table")
    observed = [" ".join(r.get_text(" ").split()) for r in tables[-1].select("tbody tr")]
    assert [r.split()[0] for r in observed] == ["2022", "2023", "2024"]
    assert observed[1].startswith("2023 7.840 aantal definitief") and observed[1].endswith("telt mee")
    csv = client.get(url + "&download=waarnemingen&format=csv")
    frame = dutch_csv(csv.content)
    assert list(frame["value"]) == [7966, 7840, 8318] and set(frame["state"]) == {"telt mee"}


# --------------------------------------------------------------------------- sources


def test_sources_history_lists_every_batch_with_provenance(web_app: FastAPI, web_settings: Settings) -> None:
    client = _as(web_app, Role.BEHEERDER)
    page = client.get("/intern/bronnen")
    with Warehouse.open(web_settings.database_url) as warehouse:
        batches = warehouse.batches().to_pandas()
    text = _main_text(page.text)
    assert f"{len(batches)} versies" in text
    assert "momentopname" in text and "verouderd" in text
    for batch_id in batches["batch_id"]:
        assert batch_id in text
    csv = client.get("/intern/bronnen?download=versies&format=csv")
    frame = dutch_csv(csv.content)
    assert set(frame["file_hash"]) == set(batches["file_hash"])
    fresh = client.get("/intern/bronnen?download=actualiteit&format=xlsx")
    assert fresh.status_code == 200 and fresh.content[:2] == b"PK"


# --------------------------------------------------------------------------- uploads


def test_a_valid_upload_is_loaded_and_the_snapshot_follows(own_app: FastAPI, own_settings: Settings) -> None:
    client = _as(own_app, Role.ANALIST)
    client.get("/intern/uploads")
    data = (UPLOADS / "dutch-semicolon.csv").read_bytes()
    before = _observation_count(own_settings)
    status, html = _upload(client, "dutch-semicolon.csv", data)
    assert status == 200, html
    text = _main_text(html)
    assert "Geladen. Waarden geladen: 4 · rijen in het bestand: 4 · rijen afgewezen: 0." in text
    batches = _batches(own_settings, "upload-dutch-semicolon")
    assert len(batches) == 1 and batches["loaded_by"].iloc[0] == "analist"
    assert batches["batch_id"].iloc[0] in text
    assert _observation_count(own_settings) == before + 4
    sources = {s.source_id for s in own_app.state.cache.get().sources}
    assert "upload-dutch-semicolon" in sources
    again = _upload(client, "dutch-semicolon.csv", data)
    assert again[0] == 200 and "Al geladen, niets gewijzigd." in _main_text(again[1])
    assert "upload-dutch-semicolon" in _main_text(client.get("/intern/uploads").text)


def test_an_invalid_upload_loads_nothing_and_shows_the_report(
    own_app: FastAPI, own_settings: Settings
) -> None:
    client = _as(own_app, Role.ANALIST)
    client.get("/intern/uploads")
    before = _observation_count(own_settings)
    status, html = _upload(client, "every-problem.csv", (UPLOADS / "every-problem.csv").read_bytes())
    assert status == 400
    assert "Geweigerd: er is niets geladen." in _main_text(html)
    assert _observation_count(own_settings) == before
    assert _batches(own_settings, "upload-every-problem").empty
    problems = _soup(html).select("table.problems tbody tr")
    cells = [[" ".join(c.get_text(" ").split()) for c in row.find_all(["th", "td"])] for row in problems]
    by_code = {row[-1]: row for row in cells}
    assert {"unknown-area", "bad-period", "unknown-measure", "not-a-number", "duplicate-row"} <= set(by_code)
    assert by_code["unknown-area"][:3] == ["3", "area_code", "GM9999"]
    assert by_code["bad-period"][0] == "4" and "2025Q1" in by_code["bad-period"][4]
    assert "Het warehouse" not in html


def test_valid_rows_only_when_asked(own_app: FastAPI, own_settings: Settings) -> None:
    client = _as(own_app, Role.ANALIST)
    client.get("/intern/uploads")
    data = (UPLOADS / "every-problem.csv").read_bytes()
    status, html = _upload(client, "alleen-goede.csv", data, alleen_goede_rijen="true")
    assert status == 200, _main_text(html)
    batches = _batches(own_settings, "upload-alleen-goede")
    assert len(batches) == 1 and int(batches["rows_rejected"].iloc[0]) > 0
    assert "Geladen." in _main_text(html)


def test_a_workbook_and_a_wide_file_with_the_measure_chosen_in_the_form(
    own_app: FastAPI, own_settings: Settings
) -> None:
    client = _as(own_app, Role.ANALIST)
    client.get("/intern/uploads")
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    for row in (("area_code", "period", "measure", "value"), ("GM0935", "2024", "halt:verwijzingen", 91)):
        sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    status, html = _upload(client, "halt.xlsx", buffer.getvalue())
    assert status == 200 and "Geladen. Waarden geladen: 1 · rijen in het bestand: 1 " in _main_text(html)
    wide = b"Gebied;Gebiedscode;2021;2022\nMaastricht;GM0935;88;92\n"
    refused = _upload(client, "wsjg-halt.csv", wide)
    assert refused[0] == 400 and "missing-measure" in refused[1]
    status, html = _upload(client, "wsjg-halt.csv", wide, maat="halt:verwijzingen")
    assert status == 200 and "Geladen. Waarden geladen: 2 · rijen in het bestand: 1 " in _main_text(html)
    assert _batches(own_settings, "upload-wsjg-halt")["rows"].tolist() == [2]


def test_upload_form_errors_are_shown_inline(own_app: FastAPI, monkeypatch: pytest.MonkeyPatch) -> None:
    client = _as(own_app, Role.ANALIST)
    form = _soup(client.get("/intern/uploads").text).select_one("form[enctype='multipart/form-data']")
    assert form is not None
    for control in form.select("input:not([type=hidden]), select"):
        assert form.select_one(f"label[for={control['id']}]") is not None
    missing = client.post("/intern/uploads", data={"csrf_token": _token(client)})
    assert missing.status_code == 400 and "Kies eerst een bestand." in missing.text
    pdf = _upload(client, "rapport.pdf", b"%PDF-1.4")
    assert pdf[0] == 400 and "geen CSV- of Excel-bestand" in pdf[1]
    wide = _upload(client, "x.csv", b"a;b\n1;2\n", maat="bestaat:niet")
    assert wide[0] == 400 and "Onbekende maat" in wide[1]
    monkeypatch.setattr(internal_uploads, "MAX_UPLOAD_BYTES", 1000)
    announced = _upload(client, "groot.csv", b"x" * 100_000)  # over the limit plus envelope
    assert announced[0] == 413 and "Het bestand is te groot: de grens is 1 kB." in announced[1]
    read = _upload(client, "groot.csv", b"x" * 2000)  # within the envelope, over the limit
    assert read[0] == 413 and "te groot" in read[1]


def test_too_large_uploads_still_need_the_role(own_app: FastAPI, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(internal_uploads, "MAX_UPLOAD_BYTES", 1000)
    anonymous = TestClient(own_app, follow_redirects=False)
    assert _upload(anonymous, "groot.csv", b"x" * 100_000, token="")[0] == 303
    assert _upload(_as(own_app, Role.RAAD), "groot.csv", b"x" * 100_000)[0] == 403


def test_an_upload_while_another_process_holds_the_warehouse(
    own_app: FastAPI, own_settings: Settings
) -> None:
    client = _as(own_app, Role.ANALIST)
    client.get("/intern/uploads")
    path = urlsplit(own_settings.database_url).path
    code = f"import duckdb, sys; c = duckdb.connect({path!r}); print('ok', flush=True); sys.stdin.read()"
    with subprocess.Popen(
        [sys.executable, "-c", code], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
    ) as holder:
        assert holder.stdout is not None and holder.stdin is not None
        assert holder.stdout.readline().strip() == "ok"
        status, html = _upload(client, "bezet.csv", (UPLOADS / "dutch-semicolon.csv").read_bytes())
        holder.stdin.close()
        holder.wait(timeout=30)
    assert status == 503
    assert "Het warehouse is bezet; probeer het zo opnieuw." in _main_text(html)
    assert _batches(own_settings, "upload-bezet").empty


@pytest.mark.parametrize(
    "path", ["/intern/uploads", "/intern/gebruikers", "/intern/gebruikers/raad/verwijderen"]
)
def test_forms_without_a_token_are_refused(own_app: FastAPI, own_settings: Settings, path: str) -> None:
    client = _as(own_app, Role.BEHEERDER)
    response = client.post(path, data={"gebruikersnaam": "x", "rol": "raad"})
    assert response.status_code == 400 and "formulier" in response.text
    forged = client.post(path, data={"csrf_token": "vervalst"})
    assert forged.status_code == 400
    names = {u.username for u in _users(own_settings)}
    assert "raad" in names and "x" not in names


# --------------------------------------------------------------------------- accounts


def _users(settings: Settings) -> list[User]:
    with Warehouse.open(settings.database_url) as warehouse:
        return accounts.users(warehouse)


def _save(
    client: TestClient, name: str, role: str, password: str, repeated: str | None = None
) -> tuple[int, str]:
    response = client.post(
        "/intern/gebruikers",
        data={
            "csrf_token": _token(client),
            "gebruikersnaam": name,
            "rol": role,
            "wachtwoord": password,
            "wachtwoord_herhaald": password if repeated is None else repeated,
        },
    )
    return response.status_code, response.headers.get("location") or response.text


def test_a_beheerder_adds_replaces_and_removes_an_account(
    own_app: FastAPI, own_settings: Settings, caplog: pytest.LogCaptureFixture
) -> None:
    client = _as(own_app, Role.BEHEERDER)
    client.get("/intern/gebruikers")
    secret = "een heel lang nieuw wachtwoord"
    assert _save(client, "wijkagent", "raad", secret) == (303, "/intern/gebruikers?toegevoegd=wijkagent")
    listed = client.get("/intern/gebruikers?toegevoegd=wijkagent")
    assert "Account toegevoegd: wijkagent" in _main_text(listed.text)
    assert "$argon2" not in listed.text and secret not in listed.text
    assert {u.username: u.role for u in _users(own_settings)}["wijkagent"] is Role.RAAD
    newcomer = TestClient(own_app, follow_redirects=False)
    token = csrf_token(newcomer)
    login = newcomer.post(
        "/inloggen", data={"gebruikersnaam": "wijkagent", "wachtwoord": secret, "csrf_token": token}
    )
    assert login.status_code == 303 and newcomer.get("/intern/").status_code == 200
    assert _save(client, "wijkagent", "analist", secret + "!")[1] == "/intern/gebruikers?bijgewerkt=wijkagent"
    assert {u.username: u.role for u in _users(own_settings)}["wijkagent"] is Role.ANALIST
    removed = client.post("/intern/gebruikers/wijkagent/verwijderen", data={"csrf_token": _token(client)})
    assert (
        removed.status_code == 303
        and removed.headers["location"] == "/intern/gebruikers?verwijderd=wijkagent"
    )
    assert "wijkagent" not in {u.username for u in _users(own_settings)}
    assert all(secret not in record.getMessage() for record in caplog.records)


def test_a_lowered_role_takes_effect_at_once(own_app: FastAPI) -> None:
    admin = _as(own_app, Role.BEHEERDER)
    admin.get("/intern/gebruikers")
    assert _save(admin, "teamleider", "analist", PASSWORD)[0] == 303
    member = TestClient(own_app, follow_redirects=False)
    token = csrf_token(member)
    credentials = {"gebruikersnaam": "teamleider", "wachtwoord": PASSWORD, "csrf_token": token}
    member.post("/inloggen", data=credentials)
    assert member.get("/intern/waarden").status_code == 200
    assert _save(admin, "teamleider", "raad", PASSWORD)[0] == 303
    # a role change ends the account's sessions: the old cookie no longer counts
    ended = member.get("/intern/waarden")
    assert ended.status_code == 303 and ended.headers["location"].startswith("/inloggen")
    member.post("/inloggen", data={**credentials, "csrf_token": csrf_token(member)})
    assert member.get("/intern/waarden").status_code == 403  # logged in again, now as raadslid


@pytest.mark.parametrize(
    ("name", "role", "password", "repeated", "message"),
    [
        (
            "nieuw",
            "raad",
            "een lang wachtwoord 1",
            "een lang wachtwoord 2",
            "De twee wachtwoorden zijn niet gelijk.",
        ),
        ("nieuw", "raad", "kort", "kort", "Het wachtwoord is te kort: minstens 12 tekens."),
        ("Niet Geldig", "raad", "een lang wachtwoord 1", None, "Ongeldige gebruikersnaam 'niet geldig'."),
        ("nieuw", "baas", "een lang wachtwoord 1", None, "Kies een rol."),
        ("", "raad", "een lang wachtwoord 1", None, "Vul een gebruikersnaam in."),
        ("beheerder", "analist", "een lang wachtwoord 1", None, "Je kunt je eigen rol niet wijzigen"),
    ],
)
def test_account_form_problems_are_shown_inline(
    own_app: FastAPI,
    own_settings: Settings,
    name: str,
    role: str,
    password: str,
    repeated: str | None,
    message: str,
) -> None:
    client = _as(own_app, Role.BEHEERDER)
    client.get("/intern/gebruikers")
    status, html = _save(client, name, role, password, repeated)
    assert status == 400 and message in _main_text(html)
    soup = _soup(html)
    assert all(not field.get("value") for field in soup.select("input[type=password]"))
    assert len(password) < 12 or password not in html  # a password is never sent back
    field = soup.select_one("#gebruikersnaam")
    assert field is not None and field.get("value") == name.strip().lower()
    assert "nieuw" not in {u.username for u in _users(own_settings)}
    assert {u.username: u.role for u in _users(own_settings)}["beheerder"] is Role.BEHEERDER


def test_a_beheerder_cannot_remove_their_own_account(own_app: FastAPI, own_settings: Settings) -> None:
    client = _as(own_app, Role.BEHEERDER)
    client.get("/intern/gebruikers")
    response = client.post("/intern/gebruikers/beheerder/verwijderen", data={"csrf_token": _token(client)})
    assert response.status_code == 400
    assert "Je kunt je eigen account niet verwijderen" in _main_text(response.text)
    assert "beheerder" in {u.username for u in _users(own_settings)}
    unknown = client.post("/intern/gebruikers/niemand/verwijderen", data={"csrf_token": _token(client)})
    assert unknown.status_code == 404 and "Er is geen account 'niemand'." in _main_text(unknown.text)
    rows = {
        r.find("th").get_text(" ").split()[0]: r
        for r in _soup(client.get("/intern/gebruikers").text).select("main tbody tr")
    }
    assert rows["beheerder"].find("form") is None and rows["raad"].find("form") is not None


# --------------------------------------------------------------------------- browser


@pytest.fixture(scope="module")
def screenshots(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = Path(os.environ.get("VEILIGSTAD_SCREENSHOTS") or tmp_path_factory.mktemp("screenshots"))
    folder.mkdir(parents=True, exist_ok=True)
    return folder


@pytest.fixture(scope="module")
def chromium() -> Iterator[Browser]:
    assert Path(CHROMIUM).exists(), "Debian chromium is missing: apt-get install chromium (see .ci/run)"
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        yield launched
        launched.close()


def _checked(page: Page, axe: Axe, folder: Path, path: str) -> list[str]:
    name = re.sub(r"[^a-zA-Z0-9]+", "_", path).strip("_")
    page.screenshot(path=str(folder / f"{name}.png"), full_page=True)
    result = axe.run(page)
    return [f"{path}: axe\n{result.generate_report()}"] if result.violations_count else []


def test_internal_pages_in_chromium(chromium: Browser, live_url: str, screenshots: Path) -> None:
    """Log in as beheerder, open every internal page and a refused upload: zero axe violations.

    The refused upload loads nothing, so the shared warehouse stays as it is.
    """
    context = chromium.new_context(viewport={"width": 1280, "height": 900}, locale="nl-NL")
    page = context.new_page()
    errors: list[str] = []
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    page.goto(live_url + "/inloggen")
    page.fill("#gebruikersnaam", "beheerder")
    page.fill("#wachtwoord", PASSWORD)
    page.click("main button[type=submit]")
    page.wait_for_url(live_url + "/intern/")
    axe = Axe()
    problems: list[str] = []
    for path in [*(path for path, _, _ in PAGES), BUURTEN_2023]:
        page.goto(live_url + path, wait_until="networkidle")
        problems += _checked(page, axe, screenshots, path)
    page.goto(live_url + "/intern/uploads")
    page.set_input_files("#bestand", str(UPLOADS / "every-problem.csv"))
    page.click("form[enctype] button[type=submit]")
    page.wait_for_selector("table.problems")
    problems += _checked(page, axe, screenshots, "/intern/uploads geweigerd")
    context.close()
    assert not problems, "\n".join(problems)
    assert not [e for e in errors if "400" not in e], errors  # the refused upload answers 400 on purpose
