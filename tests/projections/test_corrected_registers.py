"""A workshop rescheduled or cancelled and an enterprise edited read as corrected, live and
rebuilt from zero (where the correction and the registration fall in one batch)."""

from __future__ import annotations

from datetime import timedelta

from domain.enterprise import EnterpriseEdit
from domain.values import Module
from domain.workshop import Reschedule
from projections.projector import Projector
from projections.queries.registers import workshops
from projections.queries.results import enterprises
from projections.rebuild import rebuild_and_compare
from projections.store import ReadModels
from tests.stories import Story, new_id


def test_the_office_reads_a_workshop_as_rescheduled_then_cancelled(
    story: Story, projector: Projector, read_models: ReadModels
) -> None:
    expert = story.register_expert()
    workshop_id = story.schedule_workshop(Module.WC, expert, story.now.date() + timedelta(30))
    projector.catch_up()  # the row exists before its corrections arrive
    new_end = story.now.date() + timedelta(60)
    change = Reschedule("Moved", starts_on=new_end - timedelta(2), ends_on=new_end, venue="Pune")
    story.app.reschedule_workshop(workshop_id, change, story.hq, new_id(), story.later())
    projector.catch_up()

    (moved,) = workshops(read_models, workshop_id=workshop_id)
    assert (moved.ends_on, moved.venue, moved.cancelled_reason) == (new_end, "Pune", None)

    story.app.cancel_workshop(workshop_id, "No candidates", story.hq, new_id(), story.later())
    projector.catch_up()
    (cancelled,) = workshops(read_models, workshop_id=workshop_id)
    assert cancelled.cancelled_reason == "No candidates" and cancelled.venue == "Pune"


def test_an_edited_enterprise_reads_with_its_new_details_and_warning(
    story: Story, projector: Projector, read_models: ReadModels
) -> None:
    enterprise_id = story.register_enterprise(employees=100)
    projector.catch_up()
    edit = EnterpriseEdit(name="Precision Gears", employees=600, women_employees=150)
    story.app.edit_enterprise(enterprise_id, edit, story.hq, new_id(), story.later())
    projector.catch_up()

    (found,) = enterprises(read_models, enterprise_id)
    assert (found.name, found.employees, found.women_employees) == ("Precision Gears", 600, 150)
    assert found.size_warning is not None and "600 employees" in found.size_warning.detail
    assert found.size_warning.params["employees"] == 600


def test_corrections_rebuilt_from_zero_equal_the_live_rows(
    story: Story, projector: Projector, read_models: ReadModels
) -> None:
    expert = story.register_expert()
    workshop_id = story.schedule_workshop(Module.WC, expert, story.now.date() + timedelta(30))
    enterprise_id = story.register_enterprise(employees=100)
    story.app.reschedule_workshop(
        workshop_id, Reschedule("Moved", venue="Pune"), story.hq, new_id(), story.later()
    )
    story.app.cancel_workshop(workshop_id, "No candidates", story.hq, new_id(), story.later())
    story.app.edit_enterprise(
        enterprise_id, EnterpriseEdit(sector="textiles"), story.hq, new_id(), story.later()
    )
    projector.catch_up()  # registration and corrections in one batch

    report = rebuild_and_compare(story.app, read_models)

    assert report.identical, report.differences
    (workshop,) = workshops(read_models, workshop_id=workshop_id)
    assert (workshop.venue, workshop.cancelled_reason) == ("Pune", "No candidates")
    assert enterprises(read_models, enterprise_id)[0].sector == "textiles"
