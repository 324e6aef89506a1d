"""The composition root: everything is built here from Settings, and nowhere else."""

from __future__ import annotations

from service.application import Certification
from service.settings import Settings


def build_certification(settings: Settings) -> Certification:
    if settings.database_url is None:
        settings.data_dir.mkdir(parents=True, exist_ok=True)
    return Certification(env=settings.eventsourcing_env())
