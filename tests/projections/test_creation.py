"""The API and the projector start together; both create the read-model tables at once."""

from __future__ import annotations

import threading

from sqlalchemy import func, select

from projections.store import ReadModels, read_model_engine
from projections.tables import make_tables
from service.settings import Settings


def test_processes_starting_together_create_the_tables_once_without_failing(
    settings: Settings,
) -> None:
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    starting = [
        ReadModels(read_model_engine(settings.sqlalchemy_url), make_tables("started_"))
        for _ in range(4)
    ]
    together = threading.Barrier(len(starting))
    failures: list[BaseException] = []

    def start(read_models: ReadModels) -> None:
        together.wait()
        try:
            read_models.create()
        except BaseException as failure:
            failures.append(failure)

    threads = [threading.Thread(target=start, args=(r,)) for r in starting]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert failures == []
    tracking = starting[0].tables.tracking
    with starting[0].connect() as conn:
        assert conn.scalar(select(func.count()).select_from(tracking)) == 1
    assert starting[0].position() == 0
    for read_models in starting:
        read_models.engine.dispose()
