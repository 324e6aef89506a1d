"""What every page shares: the session, the login, the language, the CSRF token, the headers."""

from __future__ import annotations

import re
from pathlib import Path

from fastapi.testclient import TestClient

from service.bootstrap.api import create_api
from service.http.deps import Services
from service.http.pages.session import COOKIE
from service.settings import Settings
from tests.pages.conftest import PASSWORD


def csrf_of(html: str) -> str:
    found = re.search(r'name="csrf" value="([^"]+)"', html)
    assert found, "the page has no form with a CSRF token"
    return found.group(1)


def test_the_home_page_welcomes_a_visitor_instead_of_a_404(site: TestClient) -> None:
    reply = site.get("/")
    assert reply.status_code == 200
    assert "<h1>SCORE trainer certification</h1>" in reply.text
    assert 'href="/verify"' in reply.text and 'href="/login"' in reply.text


def test_the_session_cookie_is_http_only_and_same_site(site: TestClient) -> None:
    cookie = site.get("/").headers["set-cookie"]
    assert cookie.startswith(f"{COOKIE}=")
    assert "HttpOnly" in cookie and "SameSite=lax" in cookie
    assert "Secure" not in cookie  # served on 127.0.0.1: local development over plain http


def test_a_page_loads_nothing_from_elsewhere_and_runs_no_script(site: TestClient) -> None:
    policy = site.get("/").headers["content-security-policy"]
    assert "default-src 'none'" in policy and "script-src" not in policy


def test_an_office_user_logs_in_and_out_by_form(site: TestClient) -> None:
    login = site.get("/login")
    reply = site.post(
        "/login",
        data={"csrf": csrf_of(login.text), "username": "office", "password": PASSWORD},
        follow_redirects=False,
    )
    assert reply.status_code == 303
    home = site.get("/")
    assert "Logged in as office" in home.text
    site.post("/logout", data={"csrf": csrf_of(home.text)})
    assert "Logged in as" not in site.get("/").text


def test_a_wrong_password_is_said_on_the_login_page(site: TestClient) -> None:
    login = site.get("/login")
    reply = site.post(
        "/login", data={"csrf": csrf_of(login.text), "username": "office", "password": "nope"}
    )
    assert reply.status_code == 401
    assert "Unknown username or wrong password." in reply.text


def test_a_form_without_the_sessions_csrf_token_is_refused(site: TestClient) -> None:
    site.get("/login")
    reply = site.post("/login", data={"csrf": "forged", "username": "office", "password": PASSWORD})
    assert reply.status_code == 403
    assert "Reload the page and send it again." in reply.text
    assert "Logged in as" not in site.get("/").text


def test_the_login_sends_back_only_to_a_page_of_this_site(site: TestClient) -> None:
    login = site.get("/login?next=//evil.example/")
    reply = site.post(
        "/login",
        data={
            "csrf": csrf_of(login.text),
            "username": "office",
            "password": PASSWORD,
            "next": "//evil.example/",
        },
        follow_redirects=False,
    )
    assert reply.headers["location"] == "/office/certification"  # the office's start page


def test_the_browsers_language_is_used_until_the_person_chooses_one(site: TestClient) -> None:
    french = site.get("/verify", headers={"Accept-Language": "fr-FR,fr;q=0.9"})
    assert "<h1>Vérifier un certificat</h1>" in french.text
    assert 'lang="fr"' in french.text
    site.post("/language", data={"csrf": csrf_of(french.text), "language": "es", "next": "/"})
    spanish = site.get("/verify", headers={"Accept-Language": "fr-FR,fr;q=0.9"})
    assert "<h1>Verificar un certificado</h1>" in spanish.text


def test_a_language_chosen_when_logged_in_is_kept_on_the_login_for_the_next_session(
    site: TestClient, services: Services
) -> None:
    login = site.get("/login")
    site.post(
        "/login", data={"csrf": csrf_of(login.text), "username": "office", "password": PASSWORD}
    )
    home = site.get("/")
    site.post("/language", data={"csrf": csrf_of(home.text), "language": "fr", "next": "/"})
    office = services.accounts.authenticate("office", PASSWORD)
    assert office is not None and office.language == "fr"
    site.post("/logout", data={"csrf": csrf_of(site.get("/").text)})
    site.cookies.clear()  # another browser, whose language is English

    login = site.get("/login", headers={"Accept-Language": "en"})
    assert "<h1>Log in</h1>" in login.text
    site.post(
        "/login", data={"csrf": csrf_of(login.text), "username": "office", "password": PASSWORD}
    )
    again = site.get("/verify", headers={"Accept-Language": "en"})
    assert "<h1>Vérifier un certificat</h1>" in again.text


def test_an_unknown_certificate_number_is_said_so(site: TestClient) -> None:
    reply = site.get("/verify?number=score-2026-99999")
    assert reply.status_code == 404
    assert "No certificate SCORE-2026-99999 was ever issued." in reply.text


def test_a_malformed_certificate_number_shows_what_one_looks_like(site: TestClient) -> None:
    reply = site.get("/verify?number=12345")
    assert reply.status_code == 422
    assert "SCORE-7KQM-4X2D-9HTV" in reply.text


def test_the_directory_of_an_empty_programme_says_none_are_listed(site: TestClient) -> None:
    for query in ("country=Nowhere&module=WC&page=9", "page=x", "module=NOPE"):
        reply = site.get(f"/directory?{query}")
        assert reply.status_code == 200
        assert "0 trainers listed." in reply.text


def test_a_page_for_logged_in_users_sends_a_visitor_to_log_in_and_back(site: TestClient) -> None:
    reply = site.get("/me", follow_redirects=False)
    assert reply.status_code == 303
    assert reply.headers["location"] == "/login?next=%2Fme"


def test_a_form_sent_after_the_session_ended_returns_to_its_page_after_login(
    site: TestClient,
) -> None:
    page = site.get("/verify")
    reply = site.post(
        "/me/standing/training-records",
        data={"csrf": csrf_of(page.text)},
        headers={"Referer": "http://127.0.0.1/me/standing"},
        follow_redirects=False,
    )
    assert reply.status_code == 303
    assert reply.headers["location"] == "/login?next=%2Fme%2Fstanding"


def test_the_composition_root_serves_the_pages_beside_the_api(tmp_path: Path) -> None:
    app = create_api(Settings(data_dir=tmp_path / "data"))
    assert app.url_path_for("home") == "/"
    assert app.url_path_for("verify") == "/verify"
    assert app.url_path_for("journey_page", journey_id="j1") == "/journey/j1"
    assert app.url_path_for("static", path="site.css") == "/static/site.css"
    assert not any(path.startswith("/journey/") for path in app.openapi()["paths"])
