"""What anyone may learn from a certificate number, now or as of a past moment, from the events.

"Was this trainer certified in WC on 1 March 2025?" is answered from the trainer's own event
history (as the audit's as-of answers are: an event counts by when the step happened), so
the answer for a past date never depends on what a read model looks like today. Numbers of
every release resolve through the certificate registry's events.

A number nobody issued gets the same NotFound whatever the date, so the answer tells
nothing of a number until it exists. A number someone could guess (0.1's sequential ones,
imported ones: `domain.certificates.guessable`) shows its holder only while the public list
shows them: for a holder not listed now it answers that the certificate is genuine and its
holder not listed, with nothing else (`withheld`), so walking the old numbers finds no one
the public list hides. A random number shows everything, the delisting's category and date
included: whoever holds it was given it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from typing import Any, Literal
from uuid import UUID

from domain.certificates import guessable
from domain.errors import NotFound
from domain.trainer.aggregate import Trainer
from domain.trainer.state import Listing
from domain.values import Module
from service.app.certification import Certification

DelistingCategory = Literal["inactivity", "removed_for_cause"]
DELISTING_EVENTS = (Trainer.DelistedForInactivity, Trainer.RemovedForCause)
# What a guessable number's answer still says while its holder is not listed: whether the
# certificate is genuine and whether it was listed (and of when). Every other field is left
# out, so a field added to an answer later is withheld unless named here.
SAID_WHEN_WITHHELD = frozenset({"certificate_number", "as_of", "certified", "listed"})


def withhold(answer: Mapping[str, Any]) -> dict[str, Any]:
    """`answer`'s fields with all but `SAID_WHEN_WITHHELD` emptied and `withheld` set: the one
    rule both the standing (`/standing`, `/verify`) and the read-model check follow."""
    emptied = {k: v if k in SAID_WHEN_WITHHELD else _empty(v) for k, v in answer.items()}
    return emptied | {"withheld": True}


def _empty(value: object) -> object:
    return () if isinstance(value, tuple) else None


@dataclass(frozen=True)
class CertificateStanding:
    certificate_number: str
    name: str | None  # None: withheld
    country: str | None  # None: withheld
    as_of: datetime
    certified: bool  # False: the certificate was not issued yet at `as_of`
    listed: bool
    modules: tuple[Module, ...]  # certified in, at `as_of`
    certified_since: datetime | None
    listed_since: datetime | None  # the current listing's start (certificate, reinstatement)
    delisted_on: datetime | None  # when a delisted trainer was delisted
    delisting_category: DelistingCategory | None  # why, as a category (no personal detail)
    credential_status: Literal["valid", "suspended", "revoked"] | None  # None: none issued
    # A guessable number whose holder is not listed now: only `certified` and `listed` said.
    withheld: bool = False


def certificate_standing(
    app: Certification, number: str, moment: datetime | None = None
) -> CertificateStanding:
    """The certificate's holder and standing at `moment` (default: now); NotFound if no
    certificate of that number was ever issued."""
    cleaned = number.strip().upper()
    as_of = moment or datetime.now(UTC)
    trainer_id = UUID(app.certificate_holder(cleaned))
    history = app.events.get(trainer_id)
    events = [e for e in history if isinstance(e, Trainer.Event) and e.timestamp <= as_of]
    if not events:  # the holder was not even registered then: as for a number never issued
        raise NotFound(f"No certificate {cleaned} was ever issued.")
    state = app.trainer(trainer_id, version=events[-1].originator_version)
    standing = state.standing
    certified = state.certificate_number == cleaned and standing is not None
    listed = certified and standing is not None and standing.listing is Listing.LISTED
    delisting = None if listed or not certified else _last_delisting(events)
    credential = state.credential
    answer = CertificateStanding(
        certificate_number=cleaned,
        name=state.name,
        country=state.country,
        as_of=as_of,
        certified=certified,
        listed=listed,
        modules=state.certified_modules if certified else (),
        certified_since=state.certified_at if certified else None,
        listed_since=standing.listed_since if listed and standing else None,
        delisted_on=delisting.timestamp if delisting else None,
        delisting_category=_category(delisting),
        credential_status=None if credential is None else _credential_status(credential.status),
    )
    if guessable(cleaned) and not app.trainer(trainer_id).listed:
        return CertificateStanding(**withhold(asdict(answer)))
    return answer


def _last_delisting(events: list[Trainer.Event]) -> Trainer.Event | None:
    found = [e for e in events if isinstance(e, DELISTING_EVENTS)]
    return found[-1] if found else None


def _category(event: Trainer.Event | None) -> DelistingCategory | None:
    if event is None:
        return None
    return "inactivity" if isinstance(event, Trainer.DelistedForInactivity) else "removed_for_cause"


def _credential_status(status: str) -> Literal["valid", "suspended", "revoked"]:
    if status == "suspended":
        return "suspended"
    if status == "revoked":
        return "revoked"
    return "valid"
