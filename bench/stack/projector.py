"""The benchmark's projector process: `score projector`, journaling each batch it commits.

python -m bench.stack.projector JOURNAL_DIR     (settings from SCORE_* variables)
"""

from __future__ import annotations

import signal
import sys
import threading
from pathlib import Path
from uuid import UUID

from eventsourcing.application import Application

from bench.stack.journal import COMMITS, Journal
from projections.projector import Projector
from projections.store import ReadModels, read_models_at
from service.bootstrap.parts import build_certification
from service.settings import Settings


class JournaledProjector(Projector):
    """Writes [t, position] once a batch's rows and position have committed."""

    def __init__(
        self, app: Application[UUID], read_models: ReadModels, journal: Journal, batch: int
    ) -> None:
        super().__init__(app, read_models, batch_size=batch)
        self._journal = journal

    def process_next_batch(self, stop: int | None = None) -> int:
        count = super().process_next_batch(stop)
        if count:
            self._journal.write(self.position)
        return count


def follow(journal_dir: Path) -> None:
    settings = Settings()
    certification = build_certification(settings)
    read_models = read_models_at(settings.sqlalchemy_url, settings.read_model_prefix)
    journal = Journal(journal_dir / COMMITS)
    projector = JournaledProjector(
        certification, read_models, journal, settings.projector_batch_size
    )
    stopping = threading.Event()
    for stop_signal in (signal.SIGINT, signal.SIGTERM):
        signal.signal(stop_signal, lambda *_: stopping.set())
    print("projector: ready", flush=True)  # noqa: T201 - the parent waits for this line
    try:
        projector.run_until(stopping, settings.projector_poll_seconds)
    finally:
        journal.close()
        read_models.engine.dispose()
        certification.close()


if __name__ == "__main__":
    follow(Path(sys.argv[1]))
