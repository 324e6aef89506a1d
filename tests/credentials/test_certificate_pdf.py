"""The printable certificate opens, reads in the holder's language, and its QR code leads to
the verification page."""

from __future__ import annotations

from datetime import UTC, datetime

import pypdfium2  # type: ignore[import-untyped]  # ships no type hints
import pytest
import zxingcpp

from domain.values import Module
from service.app.credentials.pdf import CertificateFacts, certificate_pdf

FACTS = CertificateFacts(
    name="Zoë Ñúñez-Đorđević",
    certificate_number="SCORE-7KQM-4X2D-9HTV",
    modules=(Module.WC, Module.OSH),
    certified_at=datetime(2026, 3, 1, 9, 0, tzinfo=UTC),
    verification_url="https://score.example.org/verify?number=SCORE-7KQM-4X2D-9HTV",
)


def text_of(document: bytes) -> str:
    pdf = pypdfium2.PdfDocument(document)
    return str(pdf[0].get_textpage().get_text_range())


@pytest.mark.parametrize(
    ("language", "phrase"),
    [("en", "Certificate of competence"), ("fr", "Certificat de compétence"),
     ("es", "Certificado de competencia")],
)  # fmt: skip
def test_the_certificate_reads_in_the_chosen_language(language: str, phrase: str) -> None:
    text = text_of(certificate_pdf(FACTS, language))

    assert phrase in text
    assert FACTS.name in text and FACTS.certificate_number in text
    assert "Module 5: Safety & Health at Work" in text


def test_the_qr_code_on_the_certificate_decodes_to_the_verification_page() -> None:
    pdf = pypdfium2.PdfDocument(certificate_pdf(FACTS, "fr"))
    image = pdf[0].render(scale=3).to_pil()

    (code,) = zxingcpp.read_barcodes(image)

    assert code.text == FACTS.verification_url
