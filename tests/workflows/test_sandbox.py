"""Workflow code never loads the event store or a database, even indirectly."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]

PROBE = """
import sys
import workflows.journey, workflows.standing, workflows.sandbox
loaded = sorted(m for m in sys.modules if m.split('.')[0] in {'eventsourcing', 'sqlalchemy',
    'eventsourcing_sqlalchemy', 'psycopg', 'sqlite3', 'service'})
print(','.join(loaded))
"""


def test_the_workflow_modules_import_no_event_store_database_or_service_code() -> None:
    probe = subprocess.run(
        [sys.executable, "-c", PROBE], cwd=REPO, capture_output=True, text=True, check=True
    )
    assert probe.stdout.strip() == ""
