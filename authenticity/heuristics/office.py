"""office checks (to be filled)."""

CHECKS: tuple = ()
