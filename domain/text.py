"""Text a person typed, judged before it is recorded: every way in (the API, an import, a
script) passes through `clean_field`, so no event ever holds a character that a read model,
a CSV export or a public list cannot show as it was meant.

Refused, wherever they stand: control characters (NUL breaks PostgreSQL's text columns; the
others are invisible or reach terminals and spreadsheets), format characters (bidi overrides
and isolates reorder what a reader sees, so "Asha\u202eamreV" shows as another name;
zero-width spaces, word joiners, byte-order marks and soft hyphens hide inside a name, so two
names that look the same differ), surrogates, private-use, unassigned code points and
noncharacters (nobody can see what they are). Kept: every script's letters, marks, digits,
punctuation, symbols and spaces; in free text on several lines, line breaks and tabs too.

The categories come from the standard library's Unicode database (`unicodedata`), not from a
hand-written list, so they follow the Unicode version Python ships with.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass

from domain.errors import InvalidInput

ZWNJ, ZWJ = "\u200c", "\u200d"

# Letters that show nothing at all: the Hangul fillers are letters (Lo) to Unicode, yet
# blank, and the usual way to make an "invisible name". `unicodedata` has no "default
# ignorable" property to answer this, so these four are named here.
_BLANK_LETTERS = frozenset("\u115f\u1160\u3164\uffa0")

# The control characters that are ordinary whitespace: trimmed around any text, and kept
# inside free text on several lines (a carriage return becomes a line feed).
_SURROUNDING = frozenset("\t\n\r")

_DOUBTFUL_CATEGORIES = frozenset({"Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp"})

_VIRAMA = 9  # the canonical combining class of every script's virama (halant)


@dataclass(frozen=True)
class TextRule:
    """How one kind of field is judged."""

    max_length: int
    multiline: bool = False  # free text: notes, comments, descriptions, reasons
    required: bool = True
    missing: str = "type a value"  # what to do when a required value is empty


# The fields of the programme's records. The API's request bodies use the same rules.
PERSON_NAME = TextRule(200)
ORGANISATION_NAME = TextRule(200)
COUNTRY = TextRule(100)
EMAIL = TextRule(254)  # the longest address SMTP carries
WORKSHOP_CODE = TextRule(60)
VENUE = TextRule(200)
SECTOR = TextRule(200, required=False)
IDENTIFIER = TextRule(64)  # ids and codes sent back to us: uuids, module codes
INDICATOR_NAME = TextRule(32)
FREE_TEXT = TextRule(10_000, multiline=True, required=False)
REASON = TextRule(10_000, multiline=True, missing="give the reason, it is kept on record")


class TextRefused(Exception):
    """Why a piece of text cannot be recorded, without the field's name (the caller adds it)."""

    def __init__(self, problem: str) -> None:
        super().__init__(problem)
        self.problem = problem


def clean_field(field: str, value: str, rule: TextRule) -> str:
    """`value` cleaned by `rule`; refused with InvalidInput naming `field` otherwise."""
    try:
        return clean_text(value, rule)
    except TextRefused as refused:
        raise InvalidInput(f"{field}: {refused.problem}") from None


def clean_keys(field: str, values: Mapping[str, float], rule: TextRule) -> dict[str, float]:
    """A mapping whose keys a person typed (indicator names), with each key cleaned."""
    cleaned: dict[str, float] = {}
    for key, value in values.items():
        name = clean_field(field, key, rule)
        if name in cleaned:  # " defects" and "defects": which value was meant?
            raise InvalidInput(f"{field}: {name} is given twice; give it once.")
        cleaned[name] = value
    return cleaned


def first_control_character(text: str) -> tuple[int, str] | None:
    """The first control character (category Cc, e.g. NUL) in `text`: its 1-based position and
    U+ name, or None. For text that is not a person's words (usernames, passwords, URLs),
    where only these are refused: no such value holds one, and PostgreSQL refuses NUL."""
    for position, char in enumerate(text, start=1):
        if unicodedata.category(char) == "Cc":
            return position, f"U+{ord(char):04X}"
    return None


def clean_text(value: str, rule: TextRule) -> str:
    """NFC, without surrounding whitespace, every character judged; raises TextRefused.

    Judged before anything is removed, so a position names the character the person typed.
    """
    start, end = _inner_span(value)
    # Each distinct character is looked up once; only those that may be refused (and the
    # joiners, judged by their neighbours) are then found, in order, to say where.
    doubtful = {char for char in set(value[start:end]) if _may_be_refused(char, rule.multiline)}
    if doubtful:
        pattern = re.compile(f"[{re.escape(''.join(sorted(doubtful)))}]")
        for found in pattern.finditer(value, start, end):
            problem = _problem_at(value, found.start(), rule.multiline)
            if problem is not None:
                raise TextRefused(
                    f"contains {problem} (U+{ord(found.group()):04X}) at position "
                    f"{found.start() + 1}; type it again without it."
                )
    cleaned = unicodedata.normalize("NFC", value[start:end])
    if rule.multiline:  # one kind of line break, whatever the typist's system sent
        cleaned = cleaned.replace("\r\n", "\n").replace("\r", "\n")
    if rule.required and not cleaned:
        raise TextRefused(f"is empty; {rule.missing}.")
    if len(cleaned) > rule.max_length:
        raise TextRefused(f"is {len(cleaned):,} characters long; at most {rule.max_length:,}.")
    return cleaned


def _is_surrounding_space(char: str) -> bool:
    return char in _SURROUNDING or unicodedata.category(char) == "Zs"


def _inner_span(value: str) -> tuple[int, int]:
    start, end = 0, len(value)
    while start < end and _is_surrounding_space(value[start]):
        start += 1
    while end > start and _is_surrounding_space(value[end - 1]):
        end -= 1
    return start, end


def _may_be_refused(char: str, multiline: bool) -> bool:
    if multiline and char in _SURROUNDING:
        return False
    return unicodedata.category(char) in _DOUBTFUL_CATEGORIES or char in _BLANK_LETTERS


def _problem_at(value: str, index: int, multiline: bool) -> str | None:
    """What is wrong with the character at `index`, in words; None when it may stay."""
    char = value[index]
    category = unicodedata.category(char)
    if category == "Cc":
        if multiline and char in _SURROUNDING:
            return None
        return "a control character"
    if category in {"Zl", "Zp"}:
        return "a line or paragraph separator"
    if category == "Cf":
        if char in {ZWNJ, ZWJ} and _joiner_in_place(value, index, multiline):
            return None
        return "an invisible or control character"
    if category in {"Cs", "Co", "Cn"}:
        return "a character that is unassigned, private or not a character"
    if char in _BLANK_LETTERS:
        return "an invisible character"
    return None


def _joiner_in_place(value: str, index: int, multiline: bool) -> bool:
    """Whether a zero-width (non-)joiner shapes the letters around it, as it must in Indic
    and Persian names, rather than hiding between them.

    Indic scripts write a consonant cluster with a virama, and a joiner after it chooses the
    form: "क्‍ष" (half form, ZWJ) is not "क्ष" (conjunct); Malayalam wrote its chillu
    letters as consonant + virama + ZWJ, at the end of a word, before Unicode 5.1 gave them
    code points, and much text still does. Persian puts a ZWNJ between two letters of one
    word so that they do not join ("نیک‌پور"). Both follow the rule IDNA uses (RFC 5892,
    appendix A.1/A.2): after a virama; between two letters or marks for the Arabic script.
    A joiner at the start, at the end after a letter, or doubled shapes nothing: refused.
    Emoji sequences (👩‍💻) join symbols with a ZWJ; they are allowed in free text only.
    """
    before = value[index - 1] if index > 0 else ""
    after = value[index + 1] if index + 1 < len(value) else ""
    if before and unicodedata.combining(before) == _VIRAMA:
        return True
    if not before or not after:
        return False
    kinds = unicodedata.category(before)[0] + unicodedata.category(after)[0]
    if kinds in {"LL", "LM", "ML", "MM"}:
        return True
    emoji_kinds = {unicodedata.category(before), unicodedata.category(after)}
    return (
        multiline
        and value[index] == ZWJ
        and unicodedata.category(after) == "So"
        and emoji_kinds <= {"So", "Sk", "Mn"}
    )
