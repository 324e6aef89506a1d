"""What the audit endpoints need beyond the application: the read log and past read models."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Engine

from service.app.audit.access_log import AuditReadLog
from service.app.audit.as_of import PastReadModels
from service.app.certification import Certification


@dataclass(frozen=True)
class Audit:
    reads: AuditReadLog
    past: PastReadModels

    @classmethod
    def build(cls, certification: Certification, service_engine: Engine) -> Audit:
        return cls(AuditReadLog(service_engine), PastReadModels(certification))
