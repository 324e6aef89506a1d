"""Country offices over HTTP: the India office works on India's trainers, workshops and
journeys; the Sri Lanka office meets them as if they did not exist, and headquarters sees all.
Countries are ISO codes at every door, and the public list's filter forgives case."""

from __future__ import annotations

import uuid

import httpx

from domain.values import Role
from tests.e2e.harness import Stack
from tests.e2e.people import cast, enrolled, get, post, through_toe_cycle, workshop


async def _office(stack: Stack, countries: str) -> str:
    username = f"office-{countries.replace(',', '-').lower()}-{uuid.uuid4().hex[:6]}"
    await stack.add_user(username, Role.HQ, countries=countries)
    return username


async def _reply(
    stack: Stack, user: str, method: str, path: str, body: object = None
) -> httpx.Response:
    async with stack.client(user) as http:
        return await http.request(method, path, json=body)


async def test_a_country_office_works_in_its_countries_and_sees_nothing_of_others(
    stack: Stack,
) -> None:
    c = await cast(stack)  # headquarters registered them in India (IN)
    india, sri_lanka = await _office(stack, "IN"), await _office(stack, "LK")
    journey = await enrolled(stack, c)
    workshop_id = await workshop(stack, c)
    me = await get(stack, india, "/auth/me")
    assert (me["role"], me["countries"]) == ("hq", ["IN"])

    # The India office reads India's candidate, their journey and the workshop...
    assert (await get(stack, india, f"/trainers/{c.candidate_id}"))["country"] == "IN"
    assert (await get(stack, india, f"/journeys/{journey}"))["journey_id"] == journey
    assert workshop_id in {w["workshop_id"] for w in await get(stack, india, "/workshops")}

    # ...while to the Sri Lanka office they are not there: as an unknown id, 404.
    unknown = str(uuid.uuid4())
    for path in ("/trainers/{}", "/trainers/{}/journeys", "/workshops/{}"):
        real_id = workshop_id if path.startswith("/workshops") else c.candidate_id
        real = await _reply(stack, sri_lanka, "GET", path.format(real_id))
        invented = await _reply(stack, sri_lanka, "GET", path.format(unknown))
        assert real.status_code == invented.status_code == 404, real.text
    assert workshop_id not in {w["workshop_id"] for w in await get(stack, sri_lanka, "/workshops")}
    refused = await _reply(
        stack, sri_lanka, "POST", f"/journeys/{journey}/withdrawal", {"reason": "x"}
    )
    assert refused.status_code == 404, refused.text

    # A country office registers only in its countries, and leaves the audit to headquarters.
    elsewhere = {"name": "Nimal Perera", "email": f"{unknown[:8]}@example.org", "country": "IN"}
    refused = await _reply(stack, sri_lanka, "POST", "/trainers", elsewhere)
    assert refused.status_code == 403 and "Your office works in LK" in refused.json()["detail"]
    at_home = await post(stack, sri_lanka, "/trainers", {**elsewhere, "country": "lk"})
    assert at_home["country"] == "LK"
    audit = await _reply(stack, india, "GET", "/audit/verify")
    assert audit.status_code == 403 and "headquarters" in audit.json()["detail"]

    # The India office acts on India's journey; headquarters still sees everything.
    withdrawn = await post(stack, india, f"/journeys/{journey}/withdrawal", {"reason": "Moved"})
    assert withdrawn["stage"] == "withdrawn"
    assert (await get(stack, c.office, f"/trainers/{at_home['trainer_id']}"))["country"] == "LK"


async def test_countries_are_iso_codes_at_the_door_and_the_public_filter_forgives_case(
    stack: Stack,
) -> None:
    c = await cast(stack)
    body = {"name": "Asha Verma", "email": f"{uuid.uuid4().hex[:10]}@example.org"}
    refused = await _reply(stack, c.office, "POST", "/trainers", {**body, "country": "India"})
    assert refused.status_code == 422, refused.text
    assert "country" in refused.json()["detail"] and "use IN" in refused.json()["detail"]
    registered = await post(stack, c.office, "/trainers", {**body, "country": "in"})
    assert registered["country"] == "IN"

    journey = await enrolled(stack, c)  # the cast's candidate, in India, certified and listed
    await through_toe_cycle(stack, c, journey)
    await post(stack, c.expert, f"/journeys/{journey}/assessment", {"outcome": "recommended"})
    await post(stack, c.office, f"/journeys/{journey}/certification")

    async with stack.client() as anonymous:
        lower = await anonymous.get("/public/trainers", params={"country": "in"})
        upper = await anonymous.get("/public/trainers", params={"country": "IN"})
        in_french = await anonymous.get("/public/trainers?country=IN&lang=fr")
        in_spanish = await anonymous.get("/public/trainers", headers={"Accept-Language": "es"})
        named = await anonymous.get("/public/trainers", params={"country": "Inde"})
    assert lower.status_code == upper.status_code == 200 and lower.json() == upper.json()
    assert any(t["name"].startswith("Carla Candidate") for t in lower.json())
    assert {t["country_name"] for t in in_french.json()} == {"Inde"}
    assert "India" in {t["country_name"] for t in in_spanish.json()}
    assert named.status_code == 422 and "use IN" in named.json()["detail"]
