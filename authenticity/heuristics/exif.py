"""exif checks (to be filled)."""

CHECKS: tuple = ()
