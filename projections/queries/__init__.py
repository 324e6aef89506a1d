"""Typed read functions for the API. Each takes the `ReadModels` and returns frozen values.

Writes return `Result.position`; call `read_models.wait_for_position(position)` before a read
that must show that write.
"""

from projections.queries.journeys import (
    JourneyView,
    WorklistItem,
    expert_worklist,
    journey,
    journeys_of_trainer,
    office_worklist,
)
from projections.queries.listing import (
    CertificateCheck,
    PublicTrainer,
    public_list,
    verify_certificate,
)
from projections.queries.results import (
    EnterpriseResults,
    IndicatorResult,
    Participation,
    enterprises,
)
from projections.queries.standing import (
    ReminderSent,
    TrainerStanding,
    TrainingRecord,
    standing,
    standings,
)
from projections.queries.statistics import (
    ImprovementRange,
    ProgrammeStatistics,
    StatisticsChoices,
    StatisticsRecords,
    StatisticsScope,
    programme_statistics,
    statistics_records,
)
from projections.store import ReadModels, ReadModelsBehind

__all__ = [
    "CertificateCheck",
    "EnterpriseResults",
    "ImprovementRange",
    "IndicatorResult",
    "JourneyView",
    "Participation",
    "ProgrammeStatistics",
    "PublicTrainer",
    "ReadModels",
    "ReadModelsBehind",
    "ReminderSent",
    "StatisticsChoices",
    "StatisticsRecords",
    "StatisticsScope",
    "TrainerStanding",
    "TrainingRecord",
    "WorklistItem",
    "enterprises",
    "expert_worklist",
    "journey",
    "journeys_of_trainer",
    "office_worklist",
    "programme_statistics",
    "public_list",
    "standing",
    "standings",
    "statistics_records",
    "verify_certificate",
]
