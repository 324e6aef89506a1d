"""A trainer (a person): candidate, certified trainer, expert; their certificate and standing."""
