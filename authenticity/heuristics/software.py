"""software checks (to be filled)."""

CHECKS: tuple = ()
