"""`score worker` is built by the composition root without the HTTP stack.

The worker process runs the workflows and the activities; FastAPI, Starlette and our HTTP
package have no business in it (they cost start-up time and memory in every worker replica,
and an import of them would mean the layers had tangled again). The import contracts check
the code; this runs the real command and reads what the interpreter actually imported.
"""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from temporalio.api.enums.v1 import TaskQueueType
from temporalio.api.taskqueue.v1 import TaskQueue
from temporalio.api.workflowservice.v1 import DescribeTaskQueueRequest
from temporalio.client import Client

from service.adapters.temporal_dev import DevServer

REPO = Path(__file__).resolve().parents[2]
HTTP_STACK = ("fastapi", "starlette", "uvicorn", "service.http")
QUEUE_KINDS = (TaskQueueType.TASK_QUEUE_TYPE_WORKFLOW, TaskQueueType.TASK_QUEUE_TYPE_ACTIVITY)


@pytest.mark.temporal
async def test_score_worker_polls_its_queues_without_importing_the_http_stack(
    tmp_path: Path, dev_server: DevServer, dev_client: Client, task_queue: str
) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SCORE_")}
    env |= {
        "PYTHONPATH": str(REPO),
        "SCORE_DATA_DIR": str(tmp_path / "data"),
        "SCORE_TASK_QUEUE": task_queue,
        "SCORE_TEMPORAL_ADDRESS": dev_server.address,
    }
    # Every process but `score migrate` only checks the schema, so it is migrated first.
    migrate = [sys.executable, "-m", "service.cli", "migrate"]
    subprocess.run(migrate, cwd=tmp_path, env=env, check=True, stdout=subprocess.DEVNULL)
    # -X importtime: the interpreter itself lists every module it imports, on stderr.
    command = [sys.executable, "-X", "importtime", "-m", "service.cli", "worker"]
    imports = tmp_path / "imports.log"
    with imports.open("wb") as stderr:
        worker = subprocess.Popen(
            command, cwd=tmp_path, env=env, stdout=subprocess.DEVNULL, stderr=stderr
        )
        try:
            await polling(dev_client, task_queue, worker)
        finally:
            worker.send_signal(signal.SIGINT)
            stopped = await asyncio.to_thread(worker.wait, 30)

    imported = imported_modules(imports.read_text())
    assert stopped == 0
    assert {"temporalio.worker", "service.bootstrap.worker", "workflows.activities"} <= imported
    assert [m for m in imported if m.split(".")[0] in HTTP_STACK or m.startswith(HTTP_STACK)] == []


async def polling(client: Client, task_queue: str, worker: subprocess.Popen[bytes]) -> None:
    """Until Temporal lists this process among the pollers of both its queues."""
    deadline = time.monotonic() + 60
    while not await polls(client, task_queue, worker.pid):
        assert worker.poll() is None, f"the worker exited with {worker.returncode}"
        assert time.monotonic() < deadline, "the worker did not poll its queues within 60 s"
        await asyncio.sleep(0.2)


async def polls(client: Client, task_queue: str, pid: int) -> bool:
    for kind in QUEUE_KINDS:
        request = DescribeTaskQueueRequest(
            namespace="default", task_queue=TaskQueue(name=task_queue), task_queue_type=kind
        )
        reply = await client.workflow_service.describe_task_queue(request)
        # The SDK names a worker "<pid>@<host>" unless told otherwise.
        if not any(p.identity.startswith(f"{pid}@") for p in reply.pollers):
            return False
    return True


def imported_modules(importtime: str) -> set[str]:
    """Module names from `-X importtime` lines: 'import time: self | cumulative | name'."""
    return {
        line.rpartition("|")[2].strip()
        for line in importtime.splitlines()
        if line.startswith("import time:") and "|" in line
    } - {"imported package"}
