"""The moment a device or app wrote into a file's name, against the date the file states.

Phones, cameras, screenshot tools, messengers and scanners name files after the moment
they write them: ``IMG_20190512_143015.jpg`` (Android), ``PXL_20210512_123015123.jpg``
(Pixel, UTC), ``20190512_143015.jpg`` (Samsung), ``WP_20140512_14_30_15_Pro.jpg``
(Windows Phone), ``Screenshot 2023-05-12 at 2.30.15 PM.png`` (macOS),
``photo_2019-05-12_14-30-15.jpg`` (Telegram), ``Scan_20190512_143015.pdf``. Date tools
(``exiftool -AllDates``, a metadata editor) rewrite the dates inside the file and leave its
name alone, so the name is a second copy of the date that a forger rarely thinks of.

Only names with a full date *and* a time of day to the second count (people type dates of
events into names, not seconds). The name is local time of an unknown zone (Pixel's is
UTC): the comparison allows 14 hours either way plus a margin.

- The file states it was created *after* the moment its name records: whatever named the
  file did so when it wrote it, so the content existed then. High for images (a photo's
  capture time comes from the same device clock as its name), medium for other files (a
  document can be re-made from a file of that name, e.g. a photo printed to PDF later).
- A camera-app name (``IMG_``, ``VID_``, ``PXL_``, bare ``YYYYMMDD_HHMMSS`` ...) records the
  capture itself; a photo whose EXIF capture time is more than a day *earlier* than that is
  medium: its dates were moved back, or the file was renamed from another photo's name.
  Other names (messenger, download, screenshot) record when a copy was saved, which may
  be long after the capture, so that direction is not held against them.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator

from authenticity.model import Finding, Metadata, Severity
from authenticity.timeutil import as_utc

#: A name's time of day is local time in an unknown zone (or UTC): up to 14 h either way.
NAME_SLACK = dt.timedelta(hours=14)
#: On top of the zone doubt: devices name files when they finish writing them.
MARGIN = dt.timedelta(hours=1)
#: How much earlier than a camera-app name the EXIF capture time may be (bursts, long
#: exposures, a clock adjusted in between) before it counts as moved.
CAPTURE_MARGIN = dt.timedelta(days=1)

_STAMP = re.compile(
    r"(?<!\d)(?P<y>(?:19|20)\d\d)(?P<s1>[-_.]?)(?P<mo>\d\d)(?P=s1)(?P<d>\d\d)"
    r"(?:[ _T-]|\s+at\s+|,\s*)"
    r"(?P<h>\d{1,2})[-_.: ]?(?P<mi>\d\d)[-_.: ]?(?P<sec>\d\d)(?:\d{3})?"
    r"(?:\s*(?P<ampm>[AaPp][Mm]))?(?!\d)"
)
#: Names camera apps give at capture (the stamp follows the prefix).
_CAPTURE_PREFIX = re.compile(r"^(?:IMG|VID|PXL|PANO|MVIMG|BURST\d*|WP)[_-]?$|^$", re.IGNORECASE)


def name_stamp(name: str) -> tuple[dt.datetime, bool] | None:
    """(moment, camera-app name) from a file name holding a date and time to the second."""
    match = _STAMP.search(name)
    if match is None:
        return None
    hour = int(match["h"])
    ampm = (match["ampm"] or "").lower()
    if ampm:
        if not 1 <= hour <= 12:
            return None
        hour = hour % 12 + (12 if ampm == "pm" else 0)
    elif len(match["h"]) == 1:
        return None  # "at 2.30.15" without AM/PM: not a stamp we know
    try:
        moment = dt.datetime(
            int(match["y"]), int(match["mo"]), int(match["d"]),
            hour, int(match["mi"]), int(match["sec"]),
        )  # fmt: skip
    except ValueError:
        return None
    prefix = name[: match.start()]
    return moment, bool(_CAPTURE_PREFIX.match(prefix))


def check_name_date(name: str, meta: Metadata, *, image: bool) -> Iterator[Finding]:
    """The created date against the moment the file's name records."""
    stamp = name_stamp(name)
    created = meta.created
    if stamp is None or created is None:
        return
    moment, capture_name = stamp
    # The name's time is naive: compare it as if it were UTC, with the zone doubt as slack.
    gap = as_utc(created) - moment.replace(tzinfo=dt.UTC)
    evidence = {"name": name, "name_moment": moment, "created": created}
    if gap > NAME_SLACK + MARGIN:
        yield Finding(
            "FILENAME_DATE_BEFORE_CREATED",
            Severity.HIGH if image else Severity.MEDIUM,
            f"The file's name records the moment it was written ({moment:%Y-%m-%d %H:%M:%S}), "
            f"but the file says it was created later, on {created.isoformat()}: the dates "
            "inside the file were moved forward, or the content was made after the file it "
            "claims to be.",
            evidence,
        )
    elif image and capture_name and -gap > NAME_SLACK + CAPTURE_MARGIN:
        yield Finding(
            "FILENAME_DATE_AFTER_CAPTURE",
            Severity.MEDIUM,
            f"The name is a camera app's ({name}): it records the capture at "
            f"{moment:%Y-%m-%d %H:%M:%S}, but the EXIF says the photo was taken on "
            f"{created.isoformat()}, earlier: the capture dates were moved back, or the "
            "file carries another photo's name.",
            evidence,
        )
