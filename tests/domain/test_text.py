"""Text a person typed: what is refused, what every script keeps, and how it is cleaned."""

from __future__ import annotations

import unicodedata
import uuid
from dataclasses import replace
from datetime import UTC, date, datetime

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from domain.enterprise import Enterprise, EnterpriseDetails
from domain.errors import InvalidInput
from domain.journey import rules as journey_rules
from domain.journey.aggregate import Journey
from domain.journey.state import Stage
from domain.journey.steps import (
    AssessCycle,
    DeliverClassroomWorkshop,
    JourneyStep,
    RecordBaselineAssessment,
    RecordCoachingVisit,
    RecordToTResult,
    ReportProgress,
    SelectEnterprise,
    Withdraw,
)
from domain.text import (
    FREE_TEXT,
    PERSON_NAME,
    REASON,
    SECTOR,
    ZWJ,
    ZWNJ,
    TextRefused,
    TextRule,
    clean_field,
    clean_keys,
    clean_text,
)
from domain.trainer import rules as trainer_rules
from domain.trainer.aggregate import Trainer
from domain.trainer.steps import Reinstate, RemoveForCause, StandingStep, SubmitTrainingRecord
from domain.values import Actor, Module, Role
from domain.workshop import ToTWorkshop, WorkshopPlan

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
HQ = Actor("hq", Role.HQ)
CANDIDATE = Actor("candidate", Role.TRAINER)
EXPERT = Actor("expert", Role.EXPERT)


def refusal(value: str, rule: TextRule = PERSON_NAME) -> str:
    with pytest.raises(TextRefused) as refused:
        clean_text(value, rule)
    return refused.value.problem


# ---------------------------------------------------------------------------------------------
# What is refused


def test_a_nul_byte_is_refused_naming_the_field_the_code_point_and_its_position() -> None:
    with pytest.raises(InvalidInput) as refused:
        clean_field("name", "Poison\x00Works", PERSON_NAME)
    assert refused.value.reason == (
        "name: contains a control character (U+0000) at position 7; type it again without it."
    )


@pytest.mark.parametrize(
    "char",
    [
        *"\u202a\u202b\u202c\u202d\u202e",  # bidi embeddings and overrides
        *"\u2066\u2067\u2068\u2069",  # bidi isolates
        *"\u061c\u200e\u200f",  # bidi marks
        *"\u200b\u2060\ufeff\u00ad",  # zero-width space, word joiner, BOM, soft hyphen
        *"\u180e\ufff9\U000e0001\U000e0041",  # other format characters: Mongolian, tags…
    ],
)
def test_bidi_controls_and_invisible_format_characters_are_refused(char: str) -> None:
    problem = refusal(f"Asha{char}Verma")
    assert problem.startswith(f"contains an invisible or control character (U+{ord(char):04X})")
    assert "at position 5" in problem


@pytest.mark.parametrize("char", ["\x01", "\x07", "\x0b", "\x0c", "\x1b", "\x7f", "\x85", "\x9b"])
def test_c0_and_c1_control_characters_are_refused_even_in_free_text(char: str) -> None:
    for rule in (PERSON_NAME, FREE_TEXT, REASON):
        assert refusal(f"first{char}second", rule).startswith("contains a control character")


def test_line_breaks_and_tabs_are_for_free_text_on_several_lines_only() -> None:
    assert refusal("Asha\nVerma").startswith("contains a control character (U+000A)")
    assert refusal("Asha\tVerma").startswith("contains a control character (U+0009)")
    assert refusal("Asha\u2028Verma").startswith("contains a line or paragraph separator")
    notes = "Visited the plant.\r\n\tMet the owner.\rAgreed a plan."
    assert clean_text(notes, FREE_TEXT) == "Visited the plant.\n\tMet the owner.\nAgreed a plan."
    assert refusal("one\u2029two", FREE_TEXT).startswith("contains a line or paragraph separator")


@pytest.mark.parametrize(
    "char",
    ["\ud800", "\udfff", "\ue000", "\U000f0000", "\U00100000", "\u0378", "\ufdd0", "\ufffe"],
    ids=[
        *("high-surrogate", "low-surrogate", "private", "private-a", "private-b"),
        *("unassigned", "nonchar-fdd0", "nonchar-fffe"),
    ],
)
def test_surrogates_private_use_unassigned_and_noncharacters_are_refused(char: str) -> None:
    problem = refusal(f"Asha {char}")
    assert "unassigned, private or not a character" in problem


@pytest.mark.parametrize("char", ["\u3164", "\uffa0", "\u115f", "\u1160"])
def test_blank_hangul_fillers_cannot_make_an_invisible_name(char: str) -> None:
    assert refusal(char * 3).startswith("contains an invisible character")


def test_a_required_value_empty_after_cleaning_is_refused_but_an_optional_one_is_kept_empty() -> (
    None
):
    assert refusal("  \t \u3000 ") == "is empty; type a value."
    assert refusal(" \n ", REASON) == "is empty; give the reason, it is kept on record."
    assert clean_text("   ", SECTOR) == ""


def test_length_is_counted_on_the_cleaned_text() -> None:
    assert clean_text(f"  {'a' * 200}  ", PERSON_NAME) == "a" * 200
    assert refusal("a" * 201) == "is 201 characters long; at most 200."


def test_the_message_never_repeats_the_refused_character() -> None:
    for char in "\x00\u202e\u200b\ud800":
        with pytest.raises(InvalidInput) as refused:
            clean_field("name", f"a{char}b", PERSON_NAME)
        assert char not in refused.value.reason


# ---------------------------------------------------------------------------------------------
# What every script keeps


@pytest.mark.parametrize(
    "name",
    [
        "Nguyễn Thị Minh Khai",
        "Zoë O'Brien-Ōtsuka",
        "Ngũgĩ wa Thiong'o",
        "José Ramírez-Núñez",
        "Σωκράτης Παπαδόπουλος",
        "Đặng Thái Sơn",
        "山田 太郎",
        "김민준",
        "ศรีสุดา ใจดี",  # Thai: vowel and tone marks above one consonant
        "क्‍षमा शर्मा",  # Devanagari half form: virama + ZWJ
        "राज्‌कुमार",  # Devanagari explicit virama: virama + ZWNJ
        "അര്‍ജുന്‍ മേനോന്‍",  # Malayalam chillu, old style: virama + ZWJ, word-final
        "അർജുൻ മേനോൻ",  # Malayalam atomic chillu letters
        "ശ്രീ‌ലക്ഷ്മി",  # Malayalam: ZWNJ after a vowel sign (a mark) before a letter
        "مریم نیک‌پور",  # Persian: ZWNJ between two letters of one surname
        "محمد‌علی کریمی",
        "דוד בן־גוריון",  # Hebrew with maqaf
        "Ayşe Yılmaz",
        "Ana\u00a0María",  # a no-break space is a space
    ],
)
def test_names_in_every_script_are_kept_as_typed(name: str) -> None:
    assert clean_text(name, PERSON_NAME) == unicodedata.normalize("NFC", name) == name


@pytest.mark.parametrize(
    ("value", "position"),
    [
        (f"{ZWJ}क्ष", 1),  # leading
        (f"{ZWNJ}Asha", 1),
        (f"Asha{ZWNJ}", 5),  # trailing after a letter: shapes nothing
        (f"Asha{ZWJ} Verma", 5),  # before a space
        (f"क्{ZWJ}{ZWJ}ष", 4),  # doubled: the second one
        (f"नि{ZWNJ}{ZWNJ}क", 3),  # the first: a joiner follows it, no letter
        (f"12{ZWJ}34", 3),  # between digits
    ],
)
def test_joiners_are_refused_where_they_shape_nothing(value: str, position: int) -> None:
    assert f"at position {position};" in refusal(value)


def test_emoji_sequences_are_kept_in_free_text_but_not_in_names() -> None:
    technologist, family = "👩\u200d💻", "👨\u200d👩\u200d👧"
    heart = "👩\u200d❤\ufe0f\u200d👨"
    for emoji in (technologist, family, heart):
        assert clean_text(f"Great visit {emoji}", FREE_TEXT) == f"Great visit {emoji}"
    assert "U+200D" in refusal(technologist)


# ---------------------------------------------------------------------------------------------
# How it is cleaned


def test_text_is_composed_and_trimmed() -> None:
    decomposed = unicodedata.normalize("NFD", "Zoë Ōtsuka")
    assert clean_text(f" \t{decomposed}\u3000", PERSON_NAME) == "Zoë Ōtsuka"
    assert clean_text("  Moved away.\n\n", REASON) == "Moved away."


def test_indicator_names_are_cleaned_and_one_given_twice_is_refused() -> None:
    assert clean_keys("indicators", {" defects ": 1.0}, PERSON_NAME) == {"defects": 1.0}
    with pytest.raises(InvalidInput, match=r"^indicators: contains a control character"):
        clean_keys("indicators", {"defects\x00": 1.0}, PERSON_NAME)
    with pytest.raises(InvalidInput, match=r"^indicators: defects is given twice"):
        clean_keys("indicators", {"defects": 1.0, "defects ": 2.0}, PERSON_NAME)


REFUSED_CATEGORIES = {"Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp"}
typed = st.text(
    st.one_of(
        st.integers(0, 0x10FFFF).map(chr),  # anything, surrogates and unassigned included
        st.sampled_from([ZWJ, ZWNJ, "\u094d", "\u0d4d", "क", "ष", "ന", "ک", "پ", " ", "\n", "\r"]),
        st.characters(categories=["L", "M", "N", "P", "Zs"]),
    ),
    max_size=40,
)


@given(typed, st.sampled_from([PERSON_NAME, FREE_TEXT, SECTOR]))
@example("क्\u200dष", PERSON_NAME)
@example(" \u0301e\r\n", FREE_TEXT)
def test_accepted_text_holds_no_refused_character_and_cleaning_it_again_changes_nothing(
    value: str, rule: TextRule
) -> None:
    try:
        cleaned = clean_text(value, rule)
    except TextRefused:
        return
    for index, char in enumerate(cleaned):
        category = unicodedata.category(char)
        if char in (ZWJ, ZWNJ):
            assert index > 0 and cleaned[index - 1] not in (ZWJ, ZWNJ)
        elif rule.multiline and char in "\n\t":
            pass
        else:
            assert category not in REFUSED_CATEGORIES, (char, category)
        assert char != "\r"
    assert cleaned == cleaned.strip(" \t\n\r\u00a0\u3000")
    assert unicodedata.is_normalized("NFC", cleaned)
    assert clean_text(cleaned, rule) == cleaned


# ---------------------------------------------------------------------------------------------
# Every command that records text judges it, whoever sends it


def test_a_trainer_is_registered_with_clean_text_or_refused_naming_the_field() -> None:
    trainer = Trainer.register(
        uuid.uuid4(), " Zoë ", " Zoe@Example.ORG ", " in ", False, HQ, "c1", NOW
    )
    assert (trainer.state.name, trainer.state.email, trainer.state.country) == (
        "Zoë",
        "zoe@example.org",
        "IN",
    )
    for name, email, country, field in [
        ("Asha\x00Verma", "asha@example.org", "IN", "name"),
        ("Asha Verma", "asha\u200b@example.org", "IN", "email"),
        ("Asha Verma", "asha@example.org", "In\u202edia", "country"),
        ("Asha Verma", "asha.example.org", "IN", "email"),
        ("Asha Verma", "asha@example.org", "  ", "country"),
    ]:
        with pytest.raises(InvalidInput, match=f"^{field}: "):
            Trainer.register(uuid.uuid4(), name, email, country, False, HQ, "c2", NOW)


def test_an_enterprise_is_registered_with_clean_text_or_refused_naming_the_field() -> None:
    details = EnterpriseDetails(" Auto\u0301 Parts ", "IN", " auto ", 120, 30)
    enterprise = Enterprise.register(uuid.uuid4(), details, CANDIDATE, "c1", NOW)
    assert enterprise.state.details.name == "Autó Parts"
    assert enterprise.state.details.sector == "auto"
    for field, typed_value in [
        ("name", "Poison\x00Works"),
        ("country", "India\u200b"),
        ("sector", "auto\u2066parts"),
    ]:
        refused = replace(details, **{field: typed_value})  # type: ignore[arg-type]
        with pytest.raises(InvalidInput, match=f"^{field}: "):
            Enterprise.register(uuid.uuid4(), refused, CANDIDATE, "c2", NOW)


def test_a_workshop_is_scheduled_with_clean_text_or_refused_naming_the_field() -> None:
    plan = WorkshopPlan(
        Module.WC, " IND-WC-01 ", date(2026, 3, 9), date(2026, 3, 13), "Pune ", "IN", "expert"
    )
    workshop = ToTWorkshop.schedule(uuid.uuid4(), plan, True, HQ, "c1", NOW)
    assert (workshop.state.plan.code, workshop.state.plan.venue) == ("IND-WC-01", "Pune")
    for field, typed_value in [
        ("code", "IND\x00"),
        ("venue", "Pu\u00adne"),
        ("country", "\u202eaidnI"),
        ("venue", " "),
    ]:
        refused = replace(plan, **{field: typed_value})  # type: ignore[arg-type]
        with pytest.raises(InvalidInput, match=f"^{field}: "):
            ToTWorkshop.schedule(uuid.uuid4(), refused, True, HQ, "c2", NOW)


def journey_in_toe_cycle() -> Journey:
    """A journey whose first ToE cycle has e1 selected, assessed and its classroom held."""
    journey = Journey.enrol(uuid.uuid4(), "candidate", Module.WC, "w", "expert", HQ, "c0", NOW)
    setup: list[tuple[JourneyStep, Actor]] = [
        (RecordToTResult(attended=True, completed=True), EXPERT),
        (SelectEnterprise("e1"), CANDIDATE),
        (RecordBaselineAssessment("e1", date(2026, 2, 1), {"defects": 8}), CANDIDATE),
        (DeliverClassroomWorkshop(date(2026, 2, 10), 5, 10, 6), CANDIDATE),
    ]
    for number, (step, actor) in enumerate(setup):
        journey.take(step, actor, f"setup-{number}", NOW)
    journey.collect_events()
    return journey


@pytest.mark.parametrize(
    ("step", "actor", "field"),
    [
        (SelectEnterprise("e2\x00"), CANDIDATE, "enterprise_id"),
        (
            RecordBaselineAssessment("e2", date(2026, 3, 1), {"\u202edefects": 1}),
            CANDIDATE,
            "indicators",
        ),
        (RecordCoachingVisit("e1", date(2026, 3, 1), "Met the\x1bowner"), CANDIDATE, "notes"),
        (ReportProgress("e1", {"productivity\u200b": 130}), CANDIDATE, "indicators"),
        (AssessCycle("provisional", "Good\u2067 work"), EXPERT, "comments"),
        (Withdraw("\ufeff"), CANDIDATE, "reason"),
        (Withdraw(" \n "), CANDIDATE, "reason"),
    ],
)
def test_a_journey_step_with_refused_text_is_refused_by_the_rules_and_records_nothing(
    step: JourneyStep, actor: Actor, field: str
) -> None:
    journey = journey_in_toe_cycle()
    with pytest.raises(InvalidInput, match=f"^{field}: "):
        journey_rules.check(journey.state, step, actor, limit_at=journey_rules.default_limit)
    with pytest.raises(InvalidInput, match=f"^{field}: "):
        journey.take(step, actor, "c1", NOW)
    assert not journey.collect_events(), "a refused step records nothing"


def test_a_journey_records_the_text_as_cleaned_not_as_typed() -> None:
    journey = journey_in_toe_cycle()
    typed_notes = unicodedata.normalize("NFD", "  Café visit.\r\nAll good.  ")
    journey.take(RecordCoachingVisit(" e1 ", date(2026, 3, 1), typed_notes), CANDIDATE, "c1", NOW)
    (event,) = journey.collect_events()
    assert isinstance(event, Journey.CoachingVisitRecorded)
    assert (event.enterprise_id, event.notes) == ("e1", "Café visit.\nAll good.")
    journey.take(Withdraw("  Moved\tto Pune. "), CANDIDATE, "c2", NOW)
    assert journey.state.stage is Stage.WITHDRAWN
    assert journey.state.withdrawal_reason == "Moved\tto Pune."


def certified_trainer() -> tuple[Trainer, Actor]:
    """A trainer listed since their certificate in January, and the trainer as an actor."""
    trainer = Trainer.register(uuid.uuid4(), "Asha", "asha@example.org", "IN", False, HQ, "c0", NOW)
    certified_on = datetime(2026, 1, 5, tzinfo=UTC)
    trainer.certify(Module.WC, "journey", "SCORE-2026-00001", HQ, "c1", certified_on)
    trainer.collect_events()
    return trainer, Actor(str(trainer.id), Role.TRAINER)


@pytest.mark.parametrize(
    ("step", "field"),
    [
        (SubmitTrainingRecord(date(2026, 3, 1), "WC\x00", 3, 40), "module"),
        (SubmitTrainingRecord(date(2026, 3, 1), "WC", 3, 40, "Pune\x85batch"), "description"),
        (RemoveForCause("conduct", "abuse\u202e"), "reason"),
        (Reinstate("\u200b"), "reason"),
        (Reinstate(""), "reason"),
    ],
)
def test_a_standing_step_with_refused_text_is_refused_by_the_rules_and_records_nothing(
    step: StandingStep, field: str
) -> None:
    trainer, themselves = certified_trainer()
    actor = themselves if isinstance(step, SubmitTrainingRecord) else HQ
    with pytest.raises(InvalidInput, match=f"^{field}: "):
        trainer_rules.check_standing_step(trainer.state, step, actor, NOW)
    with pytest.raises(InvalidInput, match=f"^{field}: "):
        trainer.take(step, actor, "c1", NOW)
    assert not trainer.collect_events(), "a refused step records nothing"


def test_a_training_record_keeps_its_description_as_cleaned() -> None:
    trainer, themselves = certified_trainer()
    record = SubmitTrainingRecord(date(2026, 3, 1), " WC ", 3, 40, " Two days,\r\nPune. ")
    trainer.take(record, themselves, "c1", NOW)
    (event,) = trainer.collect_events()
    assert isinstance(event, Trainer.TrainingRecordSubmitted)
    assert (event.module, event.description) == ("WC", "Two days,\nPune.")
