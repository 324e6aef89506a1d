"""Builds the projector: the application's event store followed into the read models."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from projections.projector import Projector
from projections.store import read_models_at
from service.bootstrap.parts import build_certification
from service.settings import Settings


@contextmanager
def projector(settings: Settings) -> Iterator[Projector]:
    """A projector over the configured stores, which are closed when the block ends."""
    certification = build_certification(settings)
    read_models = read_models_at(settings.sqlalchemy_url, settings.read_model_prefix)
    try:
        yield Projector(certification, read_models, batch_size=settings.projector_batch_size)
    finally:
        read_models.engine.dispose()
        certification.close()
