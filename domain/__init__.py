"""The SCORE certification domain: rules as pure functions, aggregates as their record."""
