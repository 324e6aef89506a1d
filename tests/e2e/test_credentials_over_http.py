"""A certified trainer downloads a PDF and a signed credential; anyone verifies it; delisting
turns the same credential's answer at once. Over HTTP, through the workflows."""

from __future__ import annotations

import jwt
import pypdfium2  # type: ignore[import-untyped]  # ships no type hints
import zxingcpp

from tests.e2e.harness import Stack
from tests.e2e.people import Cast, cast, enrolled, get, post, through_toe_cycle


async def verify(stack: Stack, presented: object) -> dict[str, object]:
    """What anyone, not logged in, learns from POST /verify."""
    async with stack.client() as anonymous:
        reply = await anonymous.post("/verify", json={"credential": presented})
    assert reply.status_code == 200, reply.text
    answer: dict[str, object] = reply.json()
    return answer


async def certified(stack: Stack) -> Cast:
    """The cast, its candidate certified in WC through the workflows."""
    c = await cast(stack)
    journey = await enrolled(stack, c)
    await through_toe_cycle(stack, c, journey)
    await post(stack, c.expert, f"/journeys/{journey}/assessment", {"outcome": "recommended"})
    await post(stack, c.office, f"/journeys/{journey}/certification")
    return c


async def test_a_credential_verifies_until_its_holder_is_removed(stack: Stack) -> None:
    c = await certified(stack)

    held = await get(stack, c.candidate, f"/trainers/{c.candidate_id}/credential")
    keys = await get(stack, None, "/.well-known/jwks.json")
    issuer = await get(stack, None, "/credentials/issuer")

    assert held["status"] == "active" and held["credential"]["issuer"]["id"] == issuer["id"]
    kid = jwt.get_unverified_header(held["jwt"])["kid"]
    assert kid in {key["kid"] for key in keys["keys"]}
    verified = await verify(stack, held["jwt"])
    assert verified["verified"] and verified["status"] == "valid", verified["reasons"]
    enveloped = await verify(stack, held["enveloped"])
    assert enveloped["verified"]

    removal = {"ground": "copyright", "reason": "sold the manual"}
    await post(stack, c.office, f"/trainers/{c.candidate_id}/removal", removal)

    again = await verify(stack, held["jwt"])
    assert again["status"] == "revoked" and not again["verified"]
    async with stack.client(c.candidate) as holder:
        paper = await holder.get(f"/trainers/{c.candidate_id}/certificate.pdf")
    assert paper.status_code == 409 and "not on the public list" in paper.json()["detail"]
    number = held["certificate_number"]
    standing = await get(stack, None, f"/public/certificates/{number}/standing")
    assert standing["listed"] is False and standing["delisting_category"] == "removed_for_cause"
    async with stack.client() as anonymous:
        listed = await anonymous.get("/credentials/status/revocation")
    assert listed.status_code == 200 and listed.headers["content-type"] == "application/vc+jwt"


async def test_the_holder_downloads_a_pdf_whose_code_leads_to_the_verification(
    stack: Stack,
) -> None:
    c = await certified(stack)

    async with stack.client(c.candidate) as http:
        reply = await http.get(f"/trainers/{c.candidate_id}/certificate.pdf?lang=es")
        refused = await http.get("/trainers/00000000-0000-0000-0000-000000000000/credential")

    assert reply.status_code == 200 and reply.headers["content-type"] == "application/pdf"
    page = pypdfium2.PdfDocument(reply.content)[0]
    assert "Certificado de competencia" in page.get_textpage().get_text_range()
    (code,) = zxingcpp.read_barcodes(page.render(scale=3).to_pil())
    number = reply.headers["content-disposition"].split('"')[1].removesuffix("-es.pdf")
    # The web page a person reads (tests/pages/test_certificate_check_page.py: this stack
    # serves the JSON API alone).
    assert code.text.endswith(f"/verify?number={number}")
    assert refused.status_code == 403, "another trainer's credential is not the candidate's"


async def test_a_rename_keeps_the_credential_until_the_office_reissues_it(stack: Stack) -> None:
    c = await certified(stack)
    held = await get(stack, c.candidate, f"/trainers/{c.candidate_id}/credential")
    number = held["certificate_number"]

    async with stack.client(c.office) as office:
        renamed = await office.patch(f"/trainers/{c.candidate_id}", json={"name": "Asha Menon"})
    assert renamed.status_code == 200, renamed.text
    kept = await get(stack, c.candidate, f"/trainers/{c.candidate_id}/credential")
    assert kept["credential"] == held["credential"], "the signed content is as issued"

    key = {"Idempotency-Key": f"reissue-{number}"}
    reissued = await post(stack, c.office, f"/credentials/{number}/reissue", headers=key)
    repeated = await post(stack, c.office, f"/credentials/{number}/reissue", headers=key)
    async with stack.client(c.office) as office:
        nothing_left = await office.post(f"/credentials/{number}/reissue")

    assert reissued["name"] == "Asha Menon" and repeated == reissued
    assert nothing_left.status_code == 409 and nothing_left.json()["code"] == "nothing_to_reissue"
    new = await get(stack, c.candidate, f"/trainers/{c.candidate_id}/credential")
    assert new["credential_id"] == reissued["credential_id"]
    assert new["credential"]["credentialSubject"]["name"] == "Asha Menon"
    assert (await verify(stack, new["jwt"]))["status"] == "valid"
    assert (await verify(stack, held["jwt"]))["status"] == "revoked"
