"""`score backfill-registers`: the registers and logins of a store written before them.

Enterprises registered before the enterprise-name register hold no index: the fallback
(`ids.enterprise_id` of their country and present name) misses firms whose country v0.1.0
stored as free text and firms renamed under the old code. Merges recorded before logins moved
with them left those logins on the merged-away record. One pass puts both right; a second
pass finds nothing left to do.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from uuid import UUID

from eventsourcing.utils import get_topic

from domain.enterprise import Enterprise
from domain.trainer.aggregate import Trainer
from domain.values import Actor
from service.app.accounts import Accounts
from service.app.certification import Certification

BATCH = 1000


@dataclass(frozen=True)
class NameClash:
    """An enterprise whose present name another firm holds in the register: the office
    corrects one of the names."""

    enterprise_id: UUID
    country: str
    name: str
    holder: UUID


@dataclass
class Backfilled:
    names_claimed: int = 0
    names_held: int = 0  # held already by their enterprise (a new firm, or an earlier pass)
    clashes: list[NameClash] = field(default_factory=list)
    merged_records: int = 0
    logins_moved: int = 0


def backfill_registers(
    certification: Certification, accounts: Accounts, actor: Actor, at: datetime
) -> Backfilled:
    done = Backfilled()
    for enterprise_id in _originators(certification, get_topic(Enterprise.Registered)):
        # One command id per enterprise: the claim says which pass made it.
        holder, claimed = certification.claim_present_name(
            enterprise_id, actor, f"backfill-name/{enterprise_id}", at
        )
        if holder != enterprise_id:
            details = certification.enterprise(enterprise_id).details
            done.clashes.append(NameClash(enterprise_id, details.country, details.name, holder))
        elif claimed:
            done.names_claimed += 1
        else:
            done.names_held += 1
    for merged_id in _originators(certification, get_topic(Trainer.MergedInto)):
        done.merged_records += 1
        person = certification.trainer(merged_id).trainer_id
        done.logins_moved += len(accounts.logins_of(str(merged_id)))
        accounts.move_logins(str(merged_id), person)
    return done


def _originators(certification: Certification, topic: str) -> Iterator[UUID]:
    """The aggregates that recorded an event of the topic, in the order they did."""
    position = 1
    while True:
        batch = certification.recorder.select_notifications(
            start=position, limit=BATCH, topics=(topic,)
        )
        for notification in batch:
            yield UUID(str(notification.originator_id))
        if len(batch) < BATCH:
            return
        position = batch[-1].id + 1
