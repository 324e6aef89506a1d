"""The service laid out as `score run` lays it out, with the timestamps the benchmark reads."""
