"""Training materials: the office uploads them, listed trainers download those of the modules
they hold, nobody else can, and the office sees every download."""

from __future__ import annotations

import io
import zipfile
from typing import Any

import pytest
from fpdf import FPDF

from domain.values import Actor, Module, Role
from service.app.materials import MAX_MATERIAL_BYTES, MaterialRefused, content_type_of
from tests.office.conftest import Desk

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def a_pdf(title: str) -> bytes:
    pdf = FPDF()
    pdf.add_page()
    pdf.set_font("helvetica", size=14)
    pdf.cell(text=title)
    return bytes(pdf.output())


def a_zip(parts: dict[str, str]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, content in parts.items():
            archive.writestr(name, content)
    return buffer.getvalue()


A_DOCX = a_zip({"[Content_Types].xml": "<Types/>", "word/document.xml": "<w:document/>"})


def login(desk: Desk, actor: Actor, username: str) -> dict[str, str]:
    desk.services.accounts.create(username, f"{username}-password", actor.role, actor.user_id)
    return desk.bearer(username, f"{username}-password")


async def upload(
    desk: Desk, who: dict[str, str], path: str, content: bytes, filename: str
) -> tuple[int, dict[str, Any]]:
    reply = await desk.http.put(
        path,
        params={"filename": filename},
        content=content,
        headers={**who, "Content-Type": "application/octet-stream"},
    )
    return reply.status_code, reply.json()


async def test_a_listed_trainer_downloads_the_manual_of_a_module_they_hold_and_it_is_recorded(
    desk: Desk, office: dict[str, str]
) -> None:
    story = desk.story
    esther, asha = story.register_expert(), story.register_candidate("Asha Rao")
    story.certified_in(Module.WC, asha, esther)
    manual = a_pdf("SCORE Workplace Cooperation: trainer manual")
    status, uploaded = await upload(desk, office, "/materials/WC/manual", manual, "WC manual é.pdf")
    assert status == 200, uploaded
    assert uploaded["content_type"] == "application/pdf" and uploaded["size"] == len(manual)
    assert uploaded["uploaded_by"] == "olga-office"
    as_asha = login(desk, asha, "asha")

    download = await desk.http.get(f"/trainers/{asha.user_id}/materials/WC/manual", headers=as_asha)

    assert download.status_code == 200, download.text
    assert download.content == manual
    assert download.headers["content-type"] == "application/pdf"
    assert download.headers["content-disposition"] == (
        "attachment; filename=\"WC manual _.pdf\"; filename*=UTF-8''WC%20manual%20%C3%A9.pdf"
    )
    desk.caught_up()
    downloads = (await desk.http.get("/materials/downloads", headers=office)).json()
    assert downloads["total"] == 1
    (seen,) = downloads["items"]
    assert (seen["trainer_name"], seen["module"], seen["material"]) == ("Asha Rao", "WC", "manual")
    assert (await desk.http.get("/materials/downloads", headers=as_asha)).status_code == 403


async def test_nobody_else_downloads_a_material(desk: Desk, office: dict[str, str]) -> None:
    story = desk.story
    esther, asha, carla = (
        story.register_expert(),
        story.register_candidate("Asha Rao"),
        story.register_candidate("Carla Candidate"),
    )
    story.certified_in(Module.WC, asha, esther)
    for module in ("WC", "QUALITY"):
        assert (await upload(desk, office, f"/materials/{module}/manual", A_DOCX, "m.docx"))[
            0
        ] == 200
    as_asha, as_carla = login(desk, asha, "asha"), login(desk, carla, "carla")
    as_esther = login(desk, esther, "esther")

    async def download(who: dict[str, str], whose: Actor, module: str = "WC") -> tuple[int, str]:
        reply = await desk.http.get(
            f"/trainers/{whose.user_id}/materials/{module}/manual", headers=who
        )
        return reply.status_code, reply.json().get("error", "") if reply.status_code != 200 else ""

    assert await download(as_asha, asha) == (200, "")
    assert await download(as_asha, asha, "QUALITY") == (403, "MaterialsAccessDenied")
    assert await download(as_carla, carla) == (403, "MaterialsAccessDenied")  # not certified
    assert await download(as_carla, asha) == (403, "NotPermitted")  # someone else's
    assert await download(as_esther, asha) == (403, "NotPermitted")  # experts: not a trainer's
    assert await download(office, asha) == (403, "NotPermitted")
    not_yet = await desk.http.get(
        f"/trainers/{asha.user_id}/materials/WC/presentation", headers=as_asha
    )
    assert not_yet.status_code == 404 and "not uploaded yet" in not_yet.json()["detail"]
    desk.caught_up()
    assert (await desk.http.get("/materials/downloads", headers=office)).json()["total"] == 1


async def test_only_documents_of_the_accepted_types_and_size_are_uploaded_by_the_office(
    desk: Desk, office: dict[str, str]
) -> None:
    path = "/materials/WC/trainer_guide"
    not_a_document = b"MZ\x90\x00 this is a program, named guide.pdf"
    status, refused = await upload(desk, office, path, not_a_document, "guide.pdf")
    assert status == 415 and "PDF, Word" in refused["detail"]
    assert (await upload(desk, office, path, a_zip({"a.txt": "x"}), "guide.docx"))[0] == 415
    assert (await upload(desk, office, path, b"", "guide.pdf"))[0] == 415
    too_large = b"%PDF-" + b"0" * MAX_MATERIAL_BYTES
    status, answer = await upload(desk, office, path, too_large, "guide.pdf")
    assert status == 413 and "25 MiB" in answer["detail"]
    auditor = desk.staff("ines", Role.AUDITOR)
    assert (await upload(desk, auditor, path, A_DOCX, "guide.docx"))[0] == 403

    assert (await upload(desk, office, path, A_DOCX, "../../etc/guide.docx"))[0] == 200
    listed = (await desk.http.get("/materials", headers=office)).json()
    assert [(m["module"], m["material"], m["filename"], m["content_type"]) for m in listed] == [
        ("WC", "trainer_guide", "guide.docx", DOCX)
    ]


@pytest.mark.parametrize(
    ("content", "kind"),
    [
        (a_zip({"[Content_Types].xml": "", "ppt/presentation.xml": ""}), "presentationml"),
        (a_zip({"[Content_Types].xml": "", "xl/workbook.xml": ""}), "spreadsheetml"),
        (a_zip({"mimetype": "application/vnd.oasis.opendocument.text"}), "opendocument.text"),
    ],
)
def test_office_documents_are_told_apart_by_their_parts(content: bytes, kind: str) -> None:
    assert kind in content_type_of(content)


def test_an_archive_of_another_kind_is_no_document() -> None:
    with pytest.raises(MaterialRefused):
        content_type_of(a_zip({"mimetype": "application/x-something-else"}))
