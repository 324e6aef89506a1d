"""Application services, settings, the composition root and the HTTP API."""
