"""What an operator sees of a process: structured logs, Prometheus metrics, OpenTelemetry traces.

Libraries only (structlog, prometheus-client, opentelemetry); the composition root
(`service.bootstrap.telemetry`) configures them once per process, and the layers above only
log, count and time through what is defined here. docs/operations.md says where each goes.
"""
