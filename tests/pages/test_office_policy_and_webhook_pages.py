"""The office's pages of policy versions and of webhooks, by form: headquarters records a policy
version and reads it listed (its dates in the reader's language); subscribes an integration,
reads the secret once, sees a delivery that gave up and sends it again; each form sent twice
writes once, a refusal is shown beside the form, and the pages are refused to anyone else."""

from __future__ import annotations

import html
from datetime import UTC, date, datetime, timedelta

import pytest
from fastapi.testclient import TestClient

from domain.values import Module, Role
from service.app.policies import policy_versions
from service.app.webhooks.destinations import DestinationRefused
from service.app.webhooks.outbox import collect, mark_started, unstarted
from service.app.webhooks.sending import send
from service.http.deps import Services
from service.http.pages.rendering import local_datetime
from tests.pages.conftest import PASSWORD
from tests.pages.test_office_action_pages import opened, refusal_of, refused, sent_twice
from tests.pages.test_office_and_auditor_pages import form_keys, logged_in
from tests.pages.test_pages_foundation import csrf_of
from tests.stories import Story

POLICIES = "/office/policies"
WEBHOOKS = "/office/webhooks"
# Subscribed as it is written (https, a name), refused when sent: it resolves to 127.0.0.1.
RESOLVES_PRIVATE = "https://localhost/score-hooks"


def a_day_ahead() -> date:
    """The first day a version may apply from: tomorrow, UTC."""
    return (datetime.now(UTC) + timedelta(days=1)).date()


def office_token(site: TestClient) -> str:
    reply = site.post("/auth/token", data={"username": "office", "password": PASSWORD})
    assert reply.status_code == 200, reply.text
    return str(reply.json()["access_token"])


def a_version(applies_from: date, **terms: str) -> dict[str, str]:
    return {
        "reminder_months": "8, 10",
        "stall_after_days": "45",
        "inactive_after_months": "",  # left empty: the period in force stays
        "applies_from": applies_from.isoformat(),
        "reason": "Trainers asked to be reminded earlier",
        **terms,
    }


def test_the_office_records_a_policy_version_by_a_form_sent_twice_and_reads_it_listed(
    site: TestClient, services: Services
) -> None:
    logged_in(site)
    before = html.unescape(opened(site, services, POLICIES))
    assert "The service's configuration (no version recorded applies yet)" in before
    assert 'name="reminder_months"' in before and 'value="9, 11"' in before  # as in force
    # An optional term is left empty, not written in as today's (sent unchanged, it would
    # pin today's value); the day can be tomorrow at the earliest.
    assert '<input id="inactive_after_months" name="inactive_after_months"' in before
    assert 'value="12"' not in before and 'value="250"' not in before
    assert "Leave empty to keep the value in force on that day." in before
    tomorrow = (datetime.now(UTC) + timedelta(days=1)).date().isoformat()
    assert f'min="{tomorrow}"' in before
    assert "From tomorrow at the earliest" in before

    done = sent_twice(site, services, POLICIES, POLICIES, a_version(a_day_ahead()))

    assert done == "/office/policies?done=1"
    (version,) = policy_versions(services.certification)
    assert version.terms.reminder_months == (8, 10)
    assert version.terms.stall_after_days == 45
    assert version.terms.inactive_after_months == 12  # left empty: kept
    listed = opened(site, services, done)
    assert "Version 1 is recorded." in listed
    assert "<li>Reminder months: 8, 10</li>" in listed
    assert "<li>Stall period (days): 45</li>" in listed
    assert "Trainers asked to be reminded earlier" in listed

    french = site.get(POLICIES, headers={"Accept-Language": "fr"})
    assert "<li>Mois des rappels : 8, 10</li>" in french.text
    assert local_datetime(version.applies_from, "fr") in french.text


def test_a_policy_version_refused_is_shown_beside_the_form_and_writes_nothing(
    site: TestClient, services: Services
) -> None:
    logged_in(site)
    yesterday = date.today() - timedelta(days=1)

    passed = refused(site, services, POLICIES, POLICIES, a_version(yesterday), 409)
    assert "has passed" in passed
    passed = refused(site, services, POLICIES, POLICIES, a_version(yesterday), 409, "fr")
    assert "UTC est déjà passé" in passed  # the day in the reader's words

    tomorrow = a_day_ahead()
    wrong = a_version(tomorrow, reminder_months="nine")
    said = refused(site, services, POLICIES, POLICIES, wrong, 422)
    assert "Check the fields below." in said and "reminder_months" in said
    said = refused(site, services, POLICIES, POLICIES, wrong, 422, "fr")
    assert "Vérifiez les champs ci-dessous." in said
    assert "reminder_months: Donnez un nombre entier." in said

    beyond = a_version(tomorrow, reminder_months="9, 14")  # after the 12-month delisting
    said = refused(site, services, POLICIES, POLICIES, beyond, 422)
    assert "Each reminder month is between 1 and 11 (the delisting comes at month 12)" in said
    said = refused(site, services, POLICIES, POLICIES, beyond, 422, "fr")
    assert "Chaque mois de rappel est compris entre 1 et 11" in said and "9, 14" in said

    upside_down = a_version(tomorrow, sme_min_employees="300", sme_max_employees="200")
    said = refused(site, services, POLICIES, POLICIES, upside_down, 422, "es")
    assert "El intervalo de tamaños de empresa" in said and "300–200" in said
    assert policy_versions(services.certification) == ()


def a_delivery_that_gave_up(services: Services) -> str:
    """A certificate issued: its delivery to a destination that is not public is refused,
    and so gives up at once (as the delivery workflow's first attempt would)."""
    story = Story(services.certification)
    story.certified_in(Module.WC, story.register_candidate("Asha Rao"), story.register_expert())
    assert collect(services.certification, services.webhooks) == 1
    ((webhook_id, round_number),) = unstarted(services.webhooks)
    mark_started(services.webhooks, webhook_id, round_number)
    with pytest.raises(DestinationRefused):
        send(services.webhooks, webhook_id, 1, round_number)
    return webhook_id


def test_the_office_subscribes_sees_a_delivery_that_gave_up_and_sends_it_again_once(
    site: TestClient, services: Services
) -> None:
    logged_in(site)
    subscribe = {
        **form_keys(opened(site, services, WEBHOOKS)),
        "url": RESOLVES_PRIVATE,
        "events": ["certificate.issued", "trainer.delisted"],
    }
    first = site.post(WEBHOOKS, data=subscribe)
    second = site.post(WEBHOOKS, data=subscribe)  # a double click
    assert first.status_code == second.status_code == 200, first.text
    assert "is subscribed to certificate.issued, trainer.delisted." in first.text
    (subscription,) = services.webhooks.subscriptions()
    _, secret = services.webhooks.secret_of(subscription.subscription_id)
    assert f'<code id="webhook-secret">{secret}</code>' in first.text
    assert f'<code id="webhook-secret">{secret}</code>' in second.text  # the same answer

    webhook_id = a_delivery_that_gave_up(services)
    listed = opened(site, services, WEBHOOKS)
    assert f"<code>{webhook_id}</code>" in listed and "refused: " in listed

    redelivery = f"{WEBHOOKS}/deliveries/{webhook_id}/redelivery"
    stale = form_keys(listed)  # the page as it was, kept open in another tab
    done = sent_twice(site, services, WEBHOOKS, redelivery, {})
    assert done == "/office/webhooks?done=redelivered"
    (delivery,) = services.webhooks.deliveries(subscription.subscription_id)
    assert delivery.redeliveries == 1, "sent twice, redelivered once"
    assert "No delivery gave up." in opened(site, services, done)
    again = site.post(redelivery, data=stale)
    assert again.status_code == 409
    assert "is still being retried" in refusal_of(again.text)

    deactivation = f"{WEBHOOKS}/{subscription.subscription_id}/deactivation"
    assert sent_twice(site, services, WEBHOOKS, deactivation, {}).endswith("done=deactivated")
    assert not services.webhooks.subscriptions()[0].active


def test_a_url_deliveries_may_not_go_to_is_refused_beside_the_form(
    site: TestClient, services: Services
) -> None:
    logged_in(site)
    delisted = ["trainer.delisted"]
    for url, events_chosen, language, said in (
        ("http://hooks.example.org/score", delisted, "en", "must start with https://"),
        ("https://10.0.0.7/hooks", delisted, "en", "public address: 10.0.0.7 is a private"),
        ("https://hooks.example.org/score", [], "en", "events"),
        ("http://hooks.example.org/score", delisted, "fr", "doit commencer par https://"),
        ("https://10.0.0.7/hooks", delisted, "fr", "10.0.0.7 est une adresse privée"),
        ("https://127.0.0.1/hooks", delisted, "fr", "adresse de bouclage (loopback)"),
        ("https://metadata/hooks", delisted, "fr", "metadata est un service de métadonnées"),
        ("https://a:b@hooks.example.org/x", delisted, "fr", "ni de mot de passe"),
        ("https://hooks.example.org/score", [], "fr", "events: Choisissez-en au moins 1."),
        ("ftp://hooks.example.org/score", delisted, "fr", "url: Donnez une adresse web valide"),
        ("hooks", delisted, "es", "url: Indique una dirección web válida"),
    ):
        fields = {"url": url, "events": events_chosen}
        sent = {**form_keys(opened(site, services, WEBHOOKS)), **fields}
        answer = site.post(WEBHOOKS, data=sent, headers={"Accept-Language": language})
        assert answer.status_code == 422, answer.text
        assert said in refusal_of(answer.text)
        assert f'value="{html.escape(url)}"' in answer.text  # what was typed, kept
    assert services.webhooks.subscriptions() == []

    over_the_api = site.post(  # the JSON API's detail stays the domain's English
        "/webhooks",
        json={"url": "https://10.0.0.7/hooks", "events": delisted},
        headers={"Accept-Language": "fr", "Authorization": f"Bearer {office_token(site)}"},
    )
    assert over_the_api.status_code == 422
    refusal = over_the_api.json()
    assert refusal["detail"] == (
        "A webhook URL must reach a public address: 10.0.0.7 is a private address."
    )
    assert refusal["code"] == "webhook_url_not_public"
    assert refusal["params"] == {"address": "10.0.0.7", "kind": "private"}


def test_only_headquarters_records_policies_and_manages_webhooks(
    site: TestClient, services: Services
) -> None:
    story = Story(services.certification)
    expert = story.register_expert()
    services.accounts.create("ines", PASSWORD, Role.AUDITOR, None)
    services.accounts.create("peru-office", PASSWORD, Role.HQ, None, "PE")
    services.accounts.create("esther", PASSWORD, Role.EXPERT, expert.user_id)
    tomorrow = date.today() + timedelta(days=1)

    logged_in(site)
    menu = site.get("/").text
    assert 'href="/office/policies"' in menu and 'href="/office/webhooks"' in menu

    site.cookies.clear()
    logged_in(site, "ines")  # an auditor reads the versions, records none
    menu = site.get("/").text
    assert 'href="/office/policies"' in menu and 'href="/office/webhooks"' not in menu
    page = opened(site, services, POLICIES)
    assert "Record a new version" not in page
    keys = {"csrf": csrf_of(site.get("/").text), "form_key": "k"}
    assert site.post(POLICIES, data={**keys, **a_version(tomorrow)}).status_code == 403
    assert site.get(WEBHOOKS).status_code == 403

    for someone in ("peru-office", "esther"):
        site.cookies.clear()
        logged_in(site, someone)
        assert 'href="/office/policies"' not in site.get("/").text
        assert site.get(POLICIES).status_code == 403
        assert site.get(WEBHOOKS).status_code == 403
        keys = {"csrf": csrf_of(site.get("/").text), "form_key": "k"}
        subscribe = {**keys, "url": RESOLVES_PRIVATE, "events": "module.added"}
        assert site.post(WEBHOOKS, data=subscribe).status_code == 403
        assert site.post(POLICIES, data={**keys, **a_version(tomorrow)}).status_code == 403
    assert policy_versions(services.certification) == ()
    assert services.webhooks.subscriptions() == []
