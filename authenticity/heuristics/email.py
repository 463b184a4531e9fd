"""email checks (to be filled)."""

CHECKS: tuple = ()
