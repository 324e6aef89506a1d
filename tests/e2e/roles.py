"""The role matrix's table: who may pass the door of each operation, and who may see whose data.

Every operation of the OpenAPI document needs one line in DOORS, keyed "METHOD path" as the
document spells it; the matrix fails for an operation without one. "Allowed" means past the
door (authentication, role, and the relation to the candidate): the domain may still refuse
an allowed request (404, 409, 422). Bodies are templates: "{name}" is filled from the scene's
values (tests/e2e/matrix.py), so every body is valid and the domain's own relation checks
(the wrong expert, another trainer) are reached, not stopped early by validation.
A refused principal gets 401 (anonymous) or 403 `NotPermitted` (or the entry's `refusal`).
"""

from __future__ import annotations

from collections.abc import Mapping, Set
from dataclasses import dataclass
from typing import Any

# Who calls. A new principal is one line here, its login in matrix.build_scene, and whose
# data it may see in MAY_SEE; then it joins every cell of the matrix.
PRINCIPALS: tuple[str, ...] = (
    "anonymous",
    "hq",  # the programme office
    "expert",  # the candidate's own expert trainer
    "wrong_expert",  # an expert trainer who does not supervise the candidate
    "trainer",  # the candidate themself
    "other_trainer",  # another trainer
    "auditor",
    "country_office",  # an office user scoped to another country than the scene's (LK)
)

EVERYONE = frozenset(PRINCIPALS)
LOGGED_IN = EVERYONE - {"anonymous"}
# Logged in, reading a record the scene names: not a country office of another country.
LOGGED_IN_HERE = LOGGED_IN - {"country_office"}
OFFICE = frozenset({"hq"})
AUDIT = frozenset({"hq", "auditor"})
# Whoever reads the office's lists: a country office too, its own countries' rows.
LIST_READERS = AUDIT | {"country_office"}
# Who may read the candidate's record: the office, auditors, the candidate and their expert.
CANDIDATES_READERS = AUDIT | {"trainer", "expert"}
STEPPERS = frozenset({"expert", "trainer"})  # the candidate and their expert
FIELD_WORKERS = frozenset({"hq", "expert", "wrong_expert", "trainer", "other_trainer"})


@dataclass(frozen=True)
class Door:
    allowed: Set[str]
    body: Mapping[str, Any] | None = None  # JSON or form, as the operation's schema says
    query: Mapping[str, str] | None = None  # optional query parameters worth sending too
    refusal: int = 403  # 404 where the service deliberately hides that the thing exists
    hidden_from: Set[str] = frozenset()  # refused with 404: to them the record is not there

    def refusal_for(self, principal: str) -> int:
        return 404 if principal in self.hidden_from else self.refusal


# A country office of another country passes the office's doors, but what the scene names is
# outside its countries: answered as an unknown id is (404), so it cannot tell it exists.
ELSEWHERE = frozenset({"country_office"})


TODAY = "{today}"

DOORS: dict[str, Door] = {
    "GET /health": Door(EVERYONE),
    "GET /health/live": Door(EVERYONE),
    "GET /health/ready": Door(EVERYONE),
    "POST /auth/token": Door(EVERYONE, {"username": "{candidate_user}", "password": "{password}"}),
    "GET /auth/me": Door(LOGGED_IN),
    "GET /public/trainers": Door(EVERYONE),
    "GET /public/certificates/{number}": Door(EVERYONE),
    "GET /public/statistics": Door(
        EVERYONE, query={"country": "IN", "module": "WC", "year": "2026", "as_at": TODAY}
    ),
    "POST /imports/{kind}": Door(
        OFFICE,
        {"csv": "name,email,country,registered_on\nPat Past,past-{tag}@example.org,IN,2020-01-01"},
        query={"dry_run": "true"},
    ),
    "GET /exports/{kind}": Door(OFFICE),
    "GET /policies": Door(AUDIT),
    "GET /policies/in-force": Door(AUDIT, query={"at": TODAY}),
    "POST /policies": Door(
        OFFICE,
        {
            "reminder_months": [9, 11],
            "stall_after_days": 60,
            "applies_from": "2099-01-01T00:00:00Z",
            "reason": "the role matrix: a version far ahead, applied to nothing now",
        },
    ),
    "POST /trainers": Door(
        OFFICE, {"name": "Nadia New", "email": "new-{tag}@example.org", "country": "IN"}
    ),
    "POST /workshops": Door(
        OFFICE,
        {
            "module": "WC",
            "code": "MATRIX-{tag}",
            "starts_on": "2026-03-02",
            "ends_on": "2026-03-06",
            "venue": "Pune",
            "country": "IN",
            "expert_id": "{expert_id}",
        },
    ),
    "GET /workshops": Door(LOGGED_IN),
    "POST /enterprises": Door(
        FIELD_WORKERS,
        {"name": "Matrix Works {tag}", "country": "IN", "employees": 90, "women_employees": 30},
    ),
    "GET /enterprises": Door(LOGGED_IN),
    "POST /journeys": Door(
        {"hq", "expert"},
        {"trainer_id": "{candidate_id}", "workshop_id": "{workshop_id}"},
        hidden_from=ELSEWHERE,
    ),
    "POST /journeys/{journey_id}/tot-result": Door(
        {"expert"}, {"attended": True, "completed": True}
    ),
    "POST /journeys/{journey_id}/enterprises": Door(STEPPERS, {"enterprise_id": "{enterprise_id}"}),
    "POST /journeys/{journey_id}/baseline-assessments": Door(
        STEPPERS,
        {
            "enterprise_id": "{enterprise_id}",
            "visited_on": TODAY,
            "indicators": {"productivity": 100, "defects": 8},
        },
    ),
    "POST /journeys/{journey_id}/classroom-workshop": Door(
        STEPPERS, {"held_on": TODAY, "managers": 6, "workers": 14, "women": 7}
    ),
    "POST /journeys/{journey_id}/coaching-visits": Door(
        STEPPERS, {"enterprise_id": "{enterprise_id}", "visited_on": TODAY}
    ),
    "POST /journeys/{journey_id}/progress-reports": Door(
        STEPPERS,
        {"enterprise_id": "{enterprise_id}", "indicators": {"productivity": 130, "defects": 4}},
    ),
    "POST /journeys/{journey_id}/assessment": Door({"expert"}, {"outcome": "recommended"}),
    "POST /journeys/{journey_id}/certification": Door(OFFICE, hidden_from=ELSEWHERE),
    "POST /journeys/{journey_id}/withdrawal": Door(
        {"hq", "expert", "trainer"}, {"reason": "Moved away"}, hidden_from=ELSEWHERE
    ),
    # A position no step of the scene's journey reaches, whatever other cells recorded: the
    # correction is refused by the rules (409, no such step) for whoever may correct one.
    "POST /journeys/{journey_id}/corrections": Door(
        OFFICE | STEPPERS,
        {"step_version": 9999, "reason": "The role matrix corrects", "notes": "corrected"},
        hidden_from=ELSEWHERE,
    ),
    # The office names the expert the candidate already has: refused by the rules (409), so
    # the scene keeps its expert for every other cell.
    "POST /journeys/{journey_id}/expert": Door(
        OFFICE,
        {"expert_id": "{expert_id}", "reason": "The role matrix reassigns"},
        hidden_from=ELSEWHERE,
    ),
    "POST /trainers/{trainer_id}/training-records": Door(
        {"hq", "trainer"},
        {"delivered_on": TODAY, "module": "WC", "enterprises": 3, "participants": 40},
        hidden_from=ELSEWHERE,
    ),
    "PATCH /trainers/{trainer_id}": Door(
        OFFICE, {"name": "Carla Corrected-{tag}"}, hidden_from=ELSEWHERE
    ),
    # The office's merge is refused by the rules (a record into itself): the scene stays whole.
    "POST /trainers/{trainer_id}/merge": Door(
        OFFICE,
        {"merged_id": "{candidate_id}", "reason": "The role matrix merges"},
        hidden_from=ELSEWHERE,
    ),
    # The office's erasure names another person in the body than in the path: refused (422)
    # as an erasure must be, and the scene's candidate stays whole.
    "POST /trainers/{trainer_id}/erasure": Door(
        {"hq"},
        {"trainer_id": "{expert_id}", "reason": "The role matrix erases"},
    ),
    "POST /trainers/{trainer_id}/removal": Door(
        OFFICE, {"ground": "conduct", "reason": "The role matrix removes"}, hidden_from=ELSEWHERE
    ),
    "POST /trainers/{trainer_id}/reinstatement": Door(
        OFFICE, {"reason": "The role matrix reinstates"}, hidden_from=ELSEWHERE
    ),
    "POST /trainers/{trainer_id}/materials/{module}/{material}": Door({"trainer"}),
    "GET /journeys/{journey_id}": Door(CANDIDATES_READERS, hidden_from=ELSEWHERE),
    "GET /trainers/{trainer_id}/journeys": Door(CANDIDATES_READERS, hidden_from=ELSEWHERE),
    "GET /trainers/{trainer_id}": Door(CANDIDATES_READERS, hidden_from=ELSEWHERE),
    "GET /trainers/{trainer_id}/standing": Door(CANDIDATES_READERS, hidden_from=ELSEWHERE),
    "GET /standings": Door(LIST_READERS),
    # Whose worklist: an expert who names another expert still gets only their own.
    "GET /worklist": Door(
        LIST_READERS | {"expert", "wrong_expert"}, query={"expert_id": "{expert_id}"}
    ),
    "GET /workshops/{workshop_id}": Door(LOGGED_IN_HERE, hidden_from=ELSEWHERE),
    "GET /enterprises/{enterprise_id}": Door(LOGGED_IN_HERE, hidden_from=ELSEWHERE),
    "PATCH /workshops/{workshop_id}": Door(
        OFFICE, {"reason": "The role matrix moves it", "venue": "Pune {tag}"}, hidden_from=ELSEWHERE
    ),
    # The office's cancellation is refused by the rules (the scene's candidate is enrolled):
    # the scene stays whole.
    "POST /workshops/{workshop_id}/cancellation": Door(
        OFFICE, {"reason": "The role matrix cancels"}, hidden_from=ELSEWHERE
    ),
    "PATCH /enterprises/{enterprise_id}": Door(
        OFFICE, {"sector": "matrix {tag}"}, hidden_from=ELSEWHERE
    ),
    "GET /audit/trainers/{trainer_id}/history": Door(AUDIT),
    "GET /audit/journeys/{journey_id}/history": Door(AUDIT),
    "GET /audit/trainers/{trainer_id}/history/export": Door(AUDIT),
    "GET /audit/journeys/{journey_id}/history/export": Door(AUDIT),
    "GET /audit/events/export": Door(AUDIT),
    "GET /audit/trainers/{trainer_id}/as-of": Door(AUDIT),
    "GET /audit/journeys/{journey_id}/as-of": Door(AUDIT, query={"view": "as-in-effect"}),
    "GET /audit/public-list": Door(AUDIT),
    "GET /audit/certificates/{number}": Door(AUDIT),
    "GET /audit/verify": Door(AUDIT),
    "GET /audit/reads": Door(AUDIT),
    # Signed credentials (docs/credentials.md): the issuer's keys, profile, status lists and
    # verification are public; a credential and its PDF are the holder's (and the office's).
    "GET /.well-known/jwks.json": Door(EVERYONE),
    "GET /credentials/issuer": Door(EVERYONE),
    "GET /credentials/status/{purpose}": Door(EVERYONE),
    "POST /verify": Door(EVERYONE, {"credential": "not-a-signed-credential"}),
    "GET /public/certificates/{number}/standing": Door(EVERYONE, query={"on": TODAY}),
    "GET /trainers/{trainer_id}/credential": Door(AUDIT | {"trainer"}, hidden_from=ELSEWHERE),
    "POST /credentials/{number}/reissue": Door(OFFICE, hidden_from=ELSEWHERE),
    "GET /trainers/{trainer_id}/certificate.pdf": Door(
        AUDIT | {"trainer"}, query={"lang": "fr"}, hidden_from=ELSEWHERE
    ),
    # Webhooks for integrations: the office's alone.
    "POST /webhooks": Door(
        OFFICE, {"url": "https://hooks.example.org/matrix-{tag}", "events": ["certificate.issued"]}
    ),
    "GET /webhooks": Door(OFFICE),
    "POST /webhooks/{subscription_id}/deactivation": Door(OFFICE),
    "GET /webhooks/{subscription_id}/deliveries": Door(OFFICE),
    "GET /webhooks/deliveries/failed": Door(OFFICE),
    "POST /webhooks/deliveries/{webhook_id}/redelivery": Door(OFFICE),
    # The office's desk: logins, searches, messages, materials
    "POST /logins": Door(OFFICE, {"trainer_id": "{candidate_id}", "delivery": "invitation"}),
    "POST /logins/{username}/reset": Door(OFFICE, {"delivery": "one_time_password"}),
    "POST /logins/{username}/deactivation": Door(OFFICE),
    "POST /logins/{username}/activation": Door(OFFICE),
    "GET /trainers/{trainer_id}/logins": Door(OFFICE),
    "POST /auth/invitation": Door(
        EVERYONE, {"token": "not-an-invitation", "password": "{password}"}
    ),
    "POST /auth/password": Door(
        LOGGED_IN, {"current_password": "{password}", "new_password": "{password}"}
    ),
    # A country office finds its own countries' people and journeys only (none of the scene's).
    "GET /trainers": Door(LIST_READERS, query={"module": "WC"}),
    # An expert lists the journeys they supervise, whoever they name.
    "GET /journeys": Door(
        LIST_READERS | {"expert", "wrong_expert"}, query={"expert_id": "{expert_id}"}
    ),
    "GET /messages": Door(OFFICE),
    "PUT /materials/{module}/{material}": Door(OFFICE, {"content": "%PDF-1.4 the role matrix"}),
    "GET /materials": Door(OFFICE),
    "GET /materials/downloads": Door(OFFICE),
    "GET /trainers/{trainer_id}/materials/{module}/{material}": Door({"trainer"}),
}

# Whose personal data (e-mail, internal ids, username) each principal may see: "trainer" is
# the candidate's, "expert" their expert's, and so on. Anyone else's is a leak.
MAY_SEE: dict[str, Set[str]] = {
    "anonymous": frozenset(),
    "hq": EVERYONE,
    "auditor": EVERYONE,
    "expert": {"expert", "trainer"},  # themselves and their candidate
    "trainer": {"trainer", "expert"},  # themselves and their expert
    "wrong_expert": {"wrong_expert"},
    "other_trainer": {"other_trainer"},
    "country_office": {"country_office"},  # nobody of the scene: they are in another country
}

# Cells that find a real defect: xfail(strict) until it is fixed, then the line goes.
KNOWN_DEFECTS: dict[tuple[str, str], str] = {}

# Refused callers who can tell a real id from an unknown one (403 against 404): the ids of
# trainers registered before stable identities derive from e-mails (domain/ids.py), so this
# tells whoever guesses such an address that the person is a trainer, or enrolled in a module.
LOOKS_UP_BEFORE_THE_DOOR = (
    "looks the journey or trainer up (404 if unknown) before checking the caller's relation "
    "to it (403): service/adapters/temporal_steps.py::WorkflowSteps.take_step (no workflow "
    "under that id, then no journey in the store), Certification.trainer in the standing and "
    "materials routes, service/http/routes/reads.py::read_journey"
)
ENROL_LOOKS_UP_FIRST = (
    "POST /journeys looks the trainer and the workshop up (404 if unknown) before the domain "
    "checks that the expert runs the workshop (403): "
    "service/adapters/temporal_steps.py::WorkflowSteps.enrol"
)
OUTSIDERS = ("wrong_expert", "other_trainer")
KNOWN_ORACLES: dict[tuple[str, str], str] = {
    ("POST /journeys", "wrong_expert"): ENROL_LOOKS_UP_FIRST,
    ("POST /journeys/{journey_id}/tot-result", "wrong_expert"): LOOKS_UP_BEFORE_THE_DOOR,
    ("POST /journeys/{journey_id}/assessment", "wrong_expert"): LOOKS_UP_BEFORE_THE_DOOR,
    **{
        (f"POST /journeys/{{journey_id}}/{step}", principal): LOOKS_UP_BEFORE_THE_DOOR
        for step in (
            "enterprises",
            "baseline-assessments",
            "classroom-workshop",
            "coaching-visits",
            "progress-reports",
            "withdrawal",
            "corrections",
        )
        for principal in OUTSIDERS
    },
    ("POST /trainers/{trainer_id}/training-records", "other_trainer"): LOOKS_UP_BEFORE_THE_DOOR,
    ("POST /trainers/{trainer_id}/materials/{module}/{material}", "other_trainer"): (
        LOOKS_UP_BEFORE_THE_DOOR
    ),
    **{
        ("GET /journeys/{journey_id}", principal): LOOKS_UP_BEFORE_THE_DOOR
        for principal in OUTSIDERS
    },
}
