"""The certificate as a printable PDF (fpdf2), in English, French or Spanish, with a QR code
(segno) to its public verification page, so that paper can be checked as the credential is.

Names are written in DejaVu Sans where the system has it (Debian: fonts-dejavu-core), which
covers Latin, Greek and Cyrillic; elsewhere in the PDF core font, with characters outside
Latin-1 replaced, which the verification page then shows in full.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from io import BytesIO
from pathlib import Path

import segno
from babel.dates import format_date
from fpdf import FPDF

from domain.values import MODULE_TITLES, Module
from service.i18n import locale, translations

FONT_FOLDER = Path("/usr/share/fonts/truetype/dejavu")
FONT, BOLD = FONT_FOLDER / "DejaVuSans.ttf", FONT_FOLDER / "DejaVuSans-Bold.ttf"


@dataclass(frozen=True)
class CertificateFacts:
    name: str
    certificate_number: str
    modules: tuple[Module, ...]
    certified_at: datetime
    verification_url: str


def certificate_pdf(facts: CertificateFacts, language: str) -> bytes:
    _ = translations(language).gettext
    pdf = FPDF(orientation="landscape", format="A4")
    pdf.set_title(_("SCORE trainer certificate"))
    pdf.set_author("ILO SCORE programme")
    pdf.set_creation_date(facts.certified_at)  # the same facts give the same document
    family = _fonts(pdf)
    pdf.add_page()
    pdf.set_margins(25, 20, 25)
    pdf.set_y(28)

    def line(text: str, size: int, style: str = "", gap: float = 4) -> None:
        pdf.set_font(family, style, size)
        pdf.multi_cell(0, size * 0.55, _printable(text, family), align="C")
        pdf.ln(gap)

    line(_("International Labour Organization – SCORE programme"), 12)
    line(_("Certificate of competence"), 28, "B", 8)
    line(_("This certifies that"), 13)
    line(facts.name, 24, "B", 6)
    line(_("is a certified SCORE trainer in the following modules:"), 13)
    for module in facts.modules:
        line(MODULE_TITLES[module], 12, gap=1)
    pdf.ln(6)
    issued = format_date(facts.certified_at.date(), "long", locale=locale(language))
    line(_("Certified since {date}").format(date=issued), 11)
    line(_("Certificate number {number}").format(number=facts.certificate_number), 11, "B")
    line(_("Scan the code or visit {url} to check that it is still valid.").format(
        url=facts.verification_url), 9)  # fmt: skip
    _qr_code(pdf, facts.verification_url)
    return bytes(pdf.output())


def _fonts(pdf: FPDF) -> str:
    if FONT.exists() and BOLD.exists():
        pdf.add_font("DejaVu", "", str(FONT))
        pdf.add_font("DejaVu", "B", str(BOLD))
        return "DejaVu"
    return "Helvetica"


def _printable(text: str, family: str) -> str:
    if family == "DejaVu":
        return text
    return text.encode("latin-1", "replace").decode("latin-1")


def _qr_code(pdf: FPDF, url: str) -> None:
    image = BytesIO()
    segno.make(url, error="m").save(image, kind="png", scale=10, border=4)
    image.seek(0)
    size = 38
    pdf.image(image, x=pdf.w - pdf.r_margin - size, y=pdf.h - 20 - size, w=size, h=size)
