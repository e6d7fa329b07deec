# SPDX-License-Identifier: EUPL-1.2
"""Login, sessions, form tokens, rate limiting, and the audit of every internal route."""

from __future__ import annotations

import re

import pytest
from fastapi import FastAPI
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient

from tests.web.conftest import PASSWORD, csrf_token, log_in
from veiligstad.domain.accounts import Role
from veiligstad.web import auth
from veiligstad.web.api import ROUTERS as API_ROUTERS
from veiligstad.web.pages import ROUTERS as PAGE_ROUTERS


def test_login_sets_a_protected_session_cookie_and_opens_intern(client: TestClient) -> None:
    token = csrf_token(client)
    response = client.post(
        "/inloggen",
        data={
            "gebruikersnaam": "analist",
            "wachtwoord": PASSWORD,
            "csrf_token": token,
            "volgende": "/intern/",
        },
    )
    assert response.status_code == 303 and response.headers["location"] == "/intern/"
    cookie = next(c for c in response.headers.get_list("set-cookie") if c.startswith(auth.SESSION_COOKIE))
    assert "HttpOnly" in cookie and "SameSite=lax" in cookie.replace("Lax", "lax")
    page = client.get("/intern/")
    assert page.status_code == 200 and "analist" in page.text
    assert page.headers["cache-control"] == "no-store"


def test_wrong_password_is_refused_without_saying_which_part_is_wrong(client: TestClient) -> None:
    token = csrf_token(client)
    response = client.post(
        "/inloggen", data={"gebruikersnaam": "analist", "wachtwoord": "fout", "csrf_token": token}
    )
    assert response.status_code == 401
    assert "Gebruikersnaam of wachtwoord klopt niet" in response.text
    assert auth.SESSION_COOKIE not in response.headers.get("set-cookie", "")


def test_login_without_form_token_is_refused(client: TestClient) -> None:
    client.get("/inloggen")
    response = client.post("/inloggen", data={"gebruikersnaam": "analist", "wachtwoord": PASSWORD})
    assert response.status_code == 400
    assert "formulier" in response.text


def test_login_from_another_site_is_refused(client: TestClient) -> None:
    """A forged form has no way to know the cookie's token."""
    csrf_token(client)
    response = client.post(
        "/inloggen", data={"gebruikersnaam": "analist", "wachtwoord": PASSWORD, "csrf_token": "forged"}
    )
    assert response.status_code == 400


def test_login_redirect_stays_on_this_site(client: TestClient) -> None:
    token = csrf_token(client)
    response = client.post(
        "/inloggen",
        data={
            "gebruikersnaam": "raad",
            "wachtwoord": PASSWORD,
            "csrf_token": token,
            "volgende": "//evil.example/x",
        },
    )
    assert response.headers["location"] == "/intern/"


def test_logins_are_rate_limited_per_user_name(web_app: FastAPI) -> None:
    client = TestClient(web_app, follow_redirects=False)
    web_app.state.limiter = auth.LoginLimiter(free_failures=3, clock=lambda: 1000.0)  # time stands still
    try:
        token = csrf_token(client)
        data = {"gebruikersnaam": "beheerder", "wachtwoord": "fout", "csrf_token": token}
        codes = [client.post("/inloggen", data=data).status_code for _ in range(3)]
        assert codes == [401, 401, 401]
        blocked = client.post("/inloggen", data={**data, "wachtwoord": PASSWORD})
        assert blocked.status_code == 429
        assert int(blocked.headers["retry-after"]) > 0
    finally:
        web_app.state.limiter = auth.LoginLimiter()


def test_logout_ends_the_session(client: TestClient) -> None:
    log_in(client, Role.RAAD)
    token = client.cookies.get(auth.CSRF_COOKIE)
    response = client.post("/uitloggen", data={"csrf_token": token})
    assert response.status_code == 303
    assert client.get("/intern/").status_code == 303


def test_a_tampered_session_cookie_is_ignored(client: TestClient) -> None:
    client.cookies.set(auth.SESSION_COOKIE, "eyJ1IjoiYmVoZWVyZGVyIn0.forged.signature")
    assert client.get("/intern/").status_code == 303


# --- The route audit -------------------------------------------------------------------

SAMPLES = {
    "code": "GM0935",
    "indicator_id": "misdrijven-totaal",
    "theme_id": "ondermijning",
    "action_id": "onbekende-actie",
    "year": "2024",
}


def every_route(app: FastAPI) -> list[APIRoute]:
    """Every endpoint of the app: its own routes and those of every included router."""
    included = [r.original_router for r in app.routes if hasattr(r, "original_router")]
    assert {id(r) for r in included} == {id(r) for r in (*PAGE_ROUTERS, *API_ROUTERS)}
    routes = [r for r in app.routes if isinstance(r, APIRoute)]
    routes += [r for router in PAGE_ROUTERS for r in router.routes if isinstance(r, APIRoute)]
    for router in API_ROUTERS:
        routes += [r for r in router.routes if isinstance(r, APIRoute)]
    return routes


def _internal_routes(app: FastAPI) -> list[tuple[APIRoute, Role | None]]:
    routes = []
    for route in every_route(app):
        if route.path.startswith("/intern") or "/intern/" in route.path:
            roles = [auth.role_of(dep.call) for dep in route.dependant.dependencies]
            roles += [
                auth.role_of(sub.call) for dep in route.dependant.dependencies for sub in dep.dependencies
            ]
            found = [r for r in roles if r is not None]
            routes.append((route, max(found, key=lambda r: r.rank) if found else None))
    return routes


def _url(route: APIRoute) -> str:
    return re.sub(r"\{([^}:]+)(:[^}]+)?\}", lambda m: SAMPLES.get(m.group(1), "x"), route.path)


def test_every_internal_route_demands_a_role(web_app: FastAPI) -> None:
    routes = _internal_routes(web_app)
    assert routes, "no internal routes found"
    missing = [route.path for route, role in routes if role is None or role is Role.PUBLIEK]
    assert not missing, f"internal routes without a role check: {missing}"


def test_no_internal_route_answers_without_the_right_role(web_app: FastAPI) -> None:
    """Anonymous: redirected to the login. Logged in below the role: 403. At the role: allowed."""
    clients = {}
    for role in Role:
        clients[role] = log_in(TestClient(web_app, follow_redirects=False), role)
    anonymous = TestClient(web_app, follow_redirects=False)
    checked = 0
    for route, needed in _internal_routes(web_app):
        assert needed is not None
        url = _url(route)
        for method in route.methods:

            def call(client: TestClient, method: str = method, url: str = url) -> int:
                token = client.cookies.get(auth.CSRF_COOKIE) or ""
                if method == "GET":
                    return client.get(url).status_code
                return client.request(method, url, data={"csrf_token": token}).status_code

            status = call(anonymous)
            assert status in (303, 401), f"{method} {url} answered {status} without login"
            for role, client in clients.items():
                status = call(client)
                if role.allows(needed):
                    assert status not in (401, 403), f"{method} {url}: {role} refused ({status})"
                else:
                    assert status == 403, f"{method} {url}: {role} got {status}, needs {needed}"
            checked += 1
    assert checked >= 1


@pytest.mark.parametrize("role", list(Role))
def test_intern_home_shows_the_role(web_app: FastAPI, role: Role) -> None:
    client = log_in(TestClient(web_app, follow_redirects=False), role)
    page = client.get("/intern/")
    if role.allows(Role.RAAD):
        assert page.status_code == 200 and role.value in page.text
    else:
        assert page.status_code == 403
