"""pdf checks (to be filled)."""

CHECKS: tuple = ()
