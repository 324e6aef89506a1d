"""Plain values shared by every part of the domain."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Role(StrEnum):
    HQ = "hq"
    EXPERT = "expert"
    TRAINER = "trainer"
    AUDITOR = "auditor"
    SYSTEM = "system"  # automated reminders and delisting, run by the workflows' timers


@dataclass(frozen=True)
class Actor:
    """Who asks for a command. For experts and trainers `user_id` is their trainer id.

    `countries` scopes a programme-office user to a country office: the ISO 3166-1 alpha-2
    codes it works in. Empty (the default, so that actors recorded before still decode) is
    headquarters, which works everywhere; domain/policy.py decides what the scope allows."""

    user_id: str
    role: Role
    countries: tuple[str, ...] = ()


SYSTEM_ACTOR = Actor(user_id="system", role=Role.SYSTEM)


class Module(StrEnum):
    WC = "WC"
    BASICS = "BASICS"
    QUALITY = "QUALITY"
    CLEANER_PRODUCTION = "CLEANER_PRODUCTION"
    WORKFORCE = "WORKFORCE"
    OSH = "OSH"
    GENDER = "GENDER"

    @property
    def is_foundation(self) -> bool:
        return self in FOUNDATION_MODULES

    @property
    def full_name(self) -> str:
        return MODULE_TITLES[self]


FOUNDATION_MODULES = frozenset({Module.WC, Module.BASICS})

MODULE_TITLES = {
    Module.WC: "Module 1: Workplace Cooperation",
    Module.BASICS: "SCORE Basics (short course)",
    Module.QUALITY: "Module 2: Quality – Managing Continuous Improvement",
    Module.CLEANER_PRODUCTION: "Module 3: Productivity Through Cleaner Production",
    Module.WORKFORCE: "Module 4: Workforce Management for Cooperation and Business Success",
    Module.OSH: "Module 5: Safety & Health at Work",
    Module.GENDER: "MIG SCORE: gender equality at work (revised package, 2018)",
}


class Material(StrEnum):
    """The training materials certified trainers may open (seed 000)."""

    MANUAL = "manual"
    TRAINER_GUIDE = "trainer_guide"
    PRESENTATION = "presentation"
    ENTERPRISE_VISIT_GUIDE = "enterprise_visit_guide"
