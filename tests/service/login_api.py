"""`python -m tests.service.login_api`: the API alone, as its own process, for login load.

Everything `score api` builds except Temporal (logging in takes no step): the same settings
from the environment (so production argon2 unless overridden), services, app and uvicorn.
"""

from __future__ import annotations

from typing import Any

import uvicorn

from service.bootstrap.api import build_services
from service.http.main import create_app
from service.settings import Settings


class NoSteps:
    """Logging in takes no step; any attempt is a bug in the test."""

    def __getattr__(self, name: str) -> Any:
        raise AssertionError(f"the login API took a step ({name})")


def main() -> None:
    settings = Settings()
    services = build_services(settings, lambda _: NoSteps())
    uvicorn.run(
        create_app(services), host=settings.api_host, port=settings.api_port, log_level="warning"
    )


if __name__ == "__main__":
    main()
