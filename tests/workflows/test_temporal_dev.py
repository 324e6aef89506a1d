"""The dev server helper: a free loopback port, a database file, and nothing left behind."""

from __future__ import annotations

import socket
from pathlib import Path

import pytest

from service.adapters.temporal_dev import DevServer
from workflows.worker import connect

pytestmark = pytest.mark.temporal


async def test_the_dev_server_serves_on_loopback_and_stops_completely(tmp_path: Path) -> None:
    server = DevServer(tmp_path / "temporal.sqlite")
    assert "history.transferProcessorMaxPollRPS=1000" in server.command()
    assert "--headless" in server.command()

    async with server:
        host, port = server.address.split(":")
        assert host == "127.0.0.1"
        client = await connect(server.address)
        assert await client.service_client.check_health()
        process = server.process
        assert process is not None

    assert process.poll() is not None
    assert (tmp_path / "temporal.sqlite").exists()
    with pytest.raises(ConnectionRefusedError), socket.create_connection((host, int(port))):
        pass


async def test_a_server_that_cannot_start_says_why(tmp_path: Path) -> None:
    blocked = tmp_path / "not-a-folder"
    blocked.write_text("a file where the database folder should be")
    with pytest.raises(RuntimeError, match="exited; its log ends"):
        async with DevServer(blocked / "temporal.sqlite"):
            pass
