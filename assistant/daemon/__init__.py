"""``assistant run``: the live pipeline as a long-running service."""
