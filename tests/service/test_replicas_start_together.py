"""Two API replicas, two migrators, the worker and the projector all start at the same moment
on a fresh PostgreSQL database (a deploy without ordering, or a rolling start), and all come
up: one migrator migrates, the other finds it done, the services wait for the schema."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest
from sqlalchemy import inspect

from domain.values import Role
from service.migrations import head_revision, stored_revision
from service.storage.database import create_service_engine
from tests.cluster import Cluster
from tests.postgres import scratch_database

pytestmark = [pytest.mark.temporal, pytest.mark.postgres, pytest.mark.timeout(300)]
PASSWORD = "correct horse battery staple"


async def test_two_api_replicas_started_with_the_migrators_on_a_fresh_database_both_serve(
    tmp_path: Path,
) -> None:
    with scratch_database("score_replicas") as url:
        cluster = Cluster(tmp_path, url, apis=2, migrators=2, migrate_first=False)
        async with cluster:
            engine = create_service_engine(cluster.settings)
            try:
                assert stored_revision(engine) == head_revision()
                assert "certification_events" in inspect(engine).get_table_names()
            finally:
                engine.dispose()
            cluster.add_user("ada", PASSWORD, Role.HQ, None)
            for url_of_replica in cluster.api_urls:
                async with httpx.AsyncClient(base_url=url_of_replica, timeout=30) as http:
                    reply = await http.post(
                        "/auth/token", data={"username": "ada", "password": PASSWORD}
                    )
                    assert reply.status_code == 200, reply.text
                    token = reply.json()["access_token"]
                    read = await http.get(
                        "/standings", headers={"Authorization": f"Bearer {token}"}
                    )
                    assert read.status_code == 200, read.text  # the read models are there
        for child in cluster.migrate_processes:
            assert child.process is not None and child.process.returncode == 0
