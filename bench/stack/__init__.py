"""The service as `score run` lays it out, for benchmarks: API, worker and projector as child
processes around a dev server, with timestamps journaled by the worker and the projector."""
