"""The whole service (dev server, worker, projector, HTTP), as the end-to-end tests run it."""

from tests.e2e.conftest import (  # noqa: F401  (fixtures and the backend parametrisation)
    backend_url,
    e2e_temporal,
    pytest_generate_tests,
    stack,
)
