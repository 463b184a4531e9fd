"""Image metadata: EXIF capture time vs GPS time, vs the XMP copies of it and vs the
thumbnail directory's date; the thumbnail's picture vs the main one; a camera's EXIF on a
library re-encode; editing software named in the tags.

``TS_CREATED_AFTER_MODIFIED`` (in :mod:`authenticity.heuristics.dates`) already covers an
EXIF DateTime earlier than DateTimeOriginal: the image extractor maps them to
``modified`` and ``created``.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from typing import Any

from authenticity.heuristics.pdf import dates_differ
from authenticity.model import Finding, Metadata, Severity
from authenticity.timeutil import as_utc, fmt_span

#: GPS time is UTC; a zone-less capture time may be local time anywhere (up to 14 h off),
#: and the GPS fix may be a little stale: one hour on top.
GPS_TOLERANCE = dt.timedelta(hours=1)
NAIVE_SLACK = dt.timedelta(hours=14)

#: Software tag values naming image editors (not camera firmware or viewers).
_EDITORS = re.compile(
    r"photoshop|lightroom|\bgimp\b|paint\.net|snapseed|pixelmator|affinity photo|"
    r"\bacdsee\b|acd systems|paintshop|paint shop pro|corel photo-paint|photoscape|"
    r"\bluminar\b|darktable|rawtherapee|capture one|\bfotor\b|picsart|\bfacetune\b|"
    r"photo ?director|photopea|\bcanva\b|picasa|windows photo editor|photos? legacy|"
    r"photo gallery|aperture|iphoto",
    re.IGNORECASE,
)


def _is_image(facts: dict[str, Any]) -> bool:
    return "exif_tag_count" in facts


def check_gps_time(meta: Metadata, facts: dict[str, Any]) -> Iterator[Finding]:
    if not _is_image(facts):
        return
    original = facts.get("exif_datetime_original")
    gps = facts.get("gps_datetime")
    if not isinstance(original, dt.datetime) or not isinstance(gps, dt.datetime):
        return
    slack = GPS_TOLERANCE + (NAIVE_SLACK if original.tzinfo is None else dt.timedelta(0))
    delta = as_utc(original) - as_utc(gps)
    if abs(delta) <= slack:
        return
    yield Finding(
        "EXIF_GPS_TIME_MISMATCH",
        Severity.MEDIUM,
        f"The photo says it was taken at {original.isoformat()} but its GPS clock (UTC) reads "
        f"{gps.isoformat()}, {abs(delta.total_seconds()) / 3600:.1f} h apart (more than "
        "any time zone explains): one of the times was edited, or the GPS data comes from "
        "another photo.",
        {
            "datetime_original": original,
            "gps_datetime": gps,
            "difference_hours": round(delta.total_seconds() / 3600, 2),
        },
    )


#: The camera writes its maker-note copy of the capture time from the same clock reading.
MAKERNOTE_TIME_TOLERANCE = dt.timedelta(minutes=1)


def check_makernote_time(meta: Metadata, facts: dict[str, Any]) -> Iterator[Finding]:
    """The capture time in the camera maker note (Sony's ShotInfo) against the EXIF one.

    The camera writes both from one reading of its clock. Tools that move a photo's dates
    rewrite the standard EXIF tags only (ExifTool's ``-AllDates``, piexif, photo managers)
    and leave the maker note's copy as the camera wrote it."""
    if not _is_image(facts):
        return
    original = facts.get("exif_datetime_original")
    inner = facts.get("makernote_datetime")
    if not isinstance(original, dt.datetime) or not isinstance(inner, dt.datetime):
        return
    delta = original.replace(tzinfo=None) - inner.replace(tzinfo=None)
    if abs(delta) <= MAKERNOTE_TIME_TOLERANCE:
        return
    source = facts.get("makernote_datetime_source") or "maker note"
    yield Finding(
        "EXIF_MAKERNOTE_TIME_MISMATCH",
        Severity.HIGH,
        f"The photo's EXIF says it was taken at {original.isoformat()}, but the camera's own "
        f"copy of the capture time in its maker note ({source}) reads {inner.isoformat()}, "
        f"{fmt_span(abs(delta))} apart: the camera writes both from one clock reading, so "
        "the EXIF date was changed afterwards by a tool that does not know the maker note.",
        {
            "datetime_original": original,
            "makernote_datetime": inner,
            "makernote_source": source,
            "difference_seconds": delta.total_seconds(),
        },
    )


#: XMP properties that restate when the photo was taken, and their names in evidence.
_XMP_CAPTURE = (
    ("xmp_datetimeoriginal", "exif:DateTimeOriginal"),
    ("xmp_datetimedigitized", "exif:DateTimeDigitized"),
    ("xmp_createdate", "xmp:CreateDate"),
    ("xmp_datecreated", "photoshop:DateCreated"),
)


def check_xmp_capture_time(meta: Metadata, facts: dict[str, Any]) -> Iterator[Finding]:
    """EXIF DateTimeOriginal vs the XMP properties that restate it.

    Cameras, Lightroom and Photoshop keep them equal (MWG guidelines); editing the EXIF
    dates alone (``exiftool -EXIF:AllDates``, a hex editor) leaves the XMP copy as it was,
    and plain ``-AllDates`` updates the XMP properties of the same names but not
    ``exif:DateTimeDigitized``.
    """
    if not _is_image(facts):
        return
    exif = [
        v
        for v in (facts.get("exif_datetime_original"), facts.get("exif_datetime_digitized"))
        if isinstance(v, dt.datetime)
    ]
    if not exif:
        return
    for key, name in _XMP_CAPTURE:
        value = facts.get(key)
        # Same tolerance as the PDF Info/XMP comparison: 2 min with zones, 14 h without.
        if not isinstance(value, dt.datetime) or any(not dates_differ(value, e) for e in exif):
            continue
        yield Finding(
            "EXIF_XMP_DATE_MISMATCH",
            Severity.MEDIUM,
            f"The EXIF capture time ({exif[0].isoformat()}) and the XMP copy of it ({name} "
            f"{value.isoformat()}) name different moments: one of them was edited without the "
            "other, as happens when a tool rewrites the EXIF dates only.",
            {"exif_DateTimeOriginal": exif[0], f"xmp_{name}": value},
        )
        return


#: IPTC IIM datasets that restate when the photo was taken and digitized (facts read by
#: the image extractor, only with a time of day), the EXIF fact each restates, and their
#: names in evidence.
_IPTC_CAPTURE = (
    ("iptc_date_created", "exif_datetime_original", "IPTC DateCreated/TimeCreated"),
    ("iptc_digital_creation", "exif_datetime_digitized", "IPTC DigitalCreationDate/Time"),
)


def check_iptc_capture_time(meta: Metadata, facts: dict[str, Any]) -> Iterator[Finding]:
    """EXIF DateTimeOriginal / DateTimeDigitized vs the IPTC IIM copies of them.

    Photoshop, Lightroom and photo-agency tools write IPTC's DateCreated + TimeCreated from
    the EXIF capture time (and DigitalCreationDate + Time from the digitized time). EXIF
    date editors do not touch them: ``exiftool -AllDates`` writes EXIF (and XMP tags of
    the same names), not IPTC's differently named datasets; a hex edit touches one copy.
    A date alone (no time) is not compared: old Photoshop versions filed the day the
    picture was edited there.
    """
    if not _is_image(facts):
        return
    for iptc_key, exif_key, name in _IPTC_CAPTURE:
        iptc, exif = facts.get(iptc_key), facts.get(exif_key)
        # 2 min apart with zones on both, 14 h on the wall clock otherwise (EXIF is local
        # time without a zone; IPTC states the offset of the computer that wrote it)
        if not isinstance(iptc, dt.datetime) or not isinstance(exif, dt.datetime):
            continue
        if not dates_differ(iptc, exif):
            continue
        yield Finding(
            "EXIF_IPTC_DATE_MISMATCH",
            Severity.MEDIUM,
            f"The EXIF time ({exif.isoformat()}) and the IPTC copy of it ({name} "
            f"{iptc.isoformat()}) name different moments: one of them was edited without "
            "the other, as happens when a tool rewrites the EXIF dates only "
            "(`exiftool -AllDates` leaves IPTC as it was).",
            {
                exif_key.replace("exif_datetime", "exif_DateTime"): exif,
                f"iptc_{name.split()[1]}": iptc,
                "difference_days": round(
                    (iptc.replace(tzinfo=None) - exif.replace(tzinfo=None)).total_seconds() / 86400,
                    3,
                ),
            },
        )
        return


#: A last-save time rewritten by hand keeps its clock time: the two copies then differ by
#: whole quarter hours (a zone offset at most) and by more than a day and any zone.
MODIFY_SHIFT_MIN = dt.timedelta(days=1) + NAIVE_SLACK
MODIFY_SHIFT_STEP = 15 * 60


def check_xmp_modify_date(meta: Metadata, facts: dict[str, Any]) -> Iterator[Finding]:
    """EXIF DateTime (last saved) against XMP's xmp:ModifyDate when they name the same
    clock time on different days.

    Editors that write XMP (Photoshop, Lightroom) set both to one moment. A later save by a
    tool that ignores XMP moves DateTime alone, to any time of day, and that is not flagged;
    a date typed over or shifted by whole days (``exiftool -EXIF:ModifyDate+=0:9:0 0:0:0``,
    a hex editor) keeps minutes and seconds, which two unrelated saves share once in 900.
    """
    if not _is_image(facts):
        return
    exif, xmp = facts.get("exif_datetime"), facts.get("xmp_modified")
    if not isinstance(exif, dt.datetime) or not isinstance(xmp, dt.datetime):
        return
    wall = exif.replace(tzinfo=None) - xmp.replace(tzinfo=None)
    seconds = int(wall.total_seconds())
    if abs(wall) < MODIFY_SHIFT_MIN or wall.microseconds or seconds % MODIFY_SHIFT_STEP:
        return
    yield Finding(
        "EXIF_XMP_DATE_MISMATCH",
        Severity.MEDIUM,
        f"The EXIF save time ({exif.isoformat()}) and the XMP copy of it (xmp:ModifyDate "
        f"{xmp.isoformat()}) show the same minutes and seconds {abs(wall.days)} days apart: "
        "one of the two dates was typed over or shifted by whole days, the other left "
        "as it was.",
        {
            "exif_DateTime": exif,
            "xmp_xmp:ModifyDate": xmp,
            "difference_days": round(wall.total_seconds() / 86400, 3),
        },
    )


#: A camera stores the picture when it takes it: DateTimeOriginal and DateTimeDigitized
#: are one moment (a few seconds apart in some firmware); a day covers any quirk.
DIGITIZED_TOLERANCE = dt.timedelta(days=1)
#: A camera's capture time this far before its digitizing time: medium, and high (when no
#: editor names itself in the Software tag).
TAKEN_BEFORE_MEDIUM = dt.timedelta(days=30)
TAKEN_BEFORE_HIGH = dt.timedelta(days=365)
#: EXIF FileSource value of a digital still camera (1 and 2 are film and print scanners).
FILE_SOURCE_CAMERA = 3
#: Make/Model words of scanners, which record an older photo's capture date as its
#: DateTimeOriginal and the scan as its DateTimeDigitized.
_SCANNER = re.compile(r"scan|film|coolscan|perfection|flatbed|\b[lf]s-\d", re.IGNORECASE)


def camera_source(meta: Metadata, facts: dict[str, Any]) -> bool:
    """The EXIF says a digital camera made the picture: FileSource 3, or, where the
    camera wrote no FileSource (many did not: 18 of the corpus's camera photos), a Make
    that is not a scanner's."""
    source = facts.get("exif_file_source")
    if source is not None:
        return source == FILE_SOURCE_CAMERA
    names = f"{meta.make or ''} {meta.model or ''}"
    return bool(meta.make) and not _SCANNER.search(names)


def check_taken_vs_digitized(meta: Metadata, facts: dict[str, Any]) -> Iterator[Finding]:
    """DateTimeOriginal (when the picture was taken) against DateTimeDigitized (when it was
    stored as digital data). A picture cannot be taken after it was digitized; and a
    digital camera does both at once, so a capture time well before the digitizing time
    is only normal for scans of older photos (FileSource says film or print scanner).
    Moving only the date a viewer shows ("date taken") leaves the other one behind."""
    if not _is_image(facts):
        return
    taken, digitized = facts.get("exif_datetime_original"), facts.get("exif_datetime_digitized")
    if not isinstance(taken, dt.datetime) or not isinstance(digitized, dt.datetime):
        return
    gap = as_utc(taken) - as_utc(digitized)
    # both zone-less: one device clock; only a zone on one side leaves the zone in doubt
    mixed = (taken.tzinfo is None) != (digitized.tzinfo is None)
    tolerance = DIGITIZED_TOLERANCE + (NAIVE_SLACK if mixed else dt.timedelta(0))
    evidence = {
        "datetime_original": taken,
        "datetime_digitized": digitized,
        "difference_days": round(gap.total_seconds() / 86400, 2),
        "file_source": facts.get("exif_file_source"),
    }
    if gap > tolerance:
        yield Finding(
            "EXIF_TAKEN_AFTER_DIGITIZED",
            Severity.HIGH,
            f"The photo says it was taken on {taken.isoformat()}, {gap.days} days after it "
            f"was digitized ({digitized.isoformat()}): a picture cannot be stored before it "
            "is taken, so the capture date was moved forward.",
            evidence,
        )
    elif -gap > tolerance and camera_source(meta, facts):
        # Days: a camera's odd firmware (one corpus photo: 2.5 days). Months to years: the
        # "date taken" was moved back, unless an editor that restamps the digitized time
        # wrote the file.
        severity = Severity.LOW
        if -gap > TAKEN_BEFORE_HIGH and not _names_editor(meta):
            severity = Severity.HIGH
        elif -gap > TAKEN_BEFORE_MEDIUM:
            severity = Severity.MEDIUM
        yield Finding(
            "EXIF_TAKEN_BEFORE_DIGITIZED",
            severity,
            f"The photo says it was taken on {taken.isoformat()}, {(-gap).days} days before "
            f"it was digitized ({digitized.isoformat()}), but its EXIF names a digital camera "
            "as the source (FileSource, or a camera maker without one), which stores a "
            "picture when it takes it: the capture date was "
            "moved back (a scan of an older photo would name a scanner).",
            evidence,
        )


#: IFD0 and IFD1 dates come from one clock in one write.
THUMBNAIL_TOLERANCE = dt.timedelta(seconds=2)


def check_thumbnail_date(meta: Metadata, facts: dict[str, Any]) -> Iterator[Finding]:
    """The thumbnail directory's DateTime (IFD1) against the main one (IFD0) and the
    capture time.

    A camera writes both directories at capture, with the same DateTime. A later editor
    may update IFD0 only, so IFD1 earlier than IFD0 is normal; IFD1 *later* than IFD0, or
    earlier than the capture time, means dates were rewritten in one directory only
    (ExifTool's ``-AllDates`` moves IFD0 and leaves IFD1 as the camera wrote it).
    """
    if not _is_image(facts):
        return
    thumb = facts.get("exif_thumbnail_datetime")
    main = facts.get("exif_datetime")
    original = facts.get("exif_datetime_original")
    if not isinstance(thumb, dt.datetime):
        return
    problems = []
    if isinstance(main, dt.datetime) and thumb - main > THUMBNAIL_TOLERANCE:
        problems.append(f"later than the main DateTime ({main.isoformat()})")
    if isinstance(original, dt.datetime) and original - thumb > THUMBNAIL_TOLERANCE:
        problems.append(f"earlier than the capture time ({original.isoformat()})")
    if not problems:
        return
    yield Finding(
        "EXIF_THUMBNAIL_DATE_MISMATCH",
        Severity.HIGH,
        f"The thumbnail directory's DateTime ({thumb.isoformat()}), which the camera writes "
        f"with the photo, is {' and '.join(problems)}: the dates were rewritten in one "
        "place and not the other.",
        {
            "thumbnail_datetime": thumb,
            "datetime": main,
            "datetime_original": original,
        },
    )


#: The thumbnail comparison (:mod:`authenticity.extract.thumbcompare`): one region differs
#: this many times more than the picture typically does (authentic camera files of the
#: shared corpus stay under 6), by at least this many grey levels on average over it; from
#: twice that ratio the region stands out so clearly that the finding is high.
THUMBNAIL_RATIO = 7.0
THUMBNAIL_RATIO_HIGH = 14.0
THUMBNAIL_PEAK = 15.0


def check_thumbnail_content(meta: Metadata, facts: dict[str, Any]) -> Iterator[Finding]:
    """The EXIF thumbnail shows the same picture as the main image except in one region:
    the pixels there were changed after the thumbnail was written (a retouch or a pasted
    region re-encoded with the old EXIF bytes kept)."""
    if not _is_image(facts):
        return
    ratio = facts.get("thumbnail_diff_ratio")
    peak = facts.get("thumbnail_diff_peak")
    if not isinstance(ratio, float | int) or not isinstance(peak, float | int):
        return
    if ratio < THUMBNAIL_RATIO or peak < THUMBNAIL_PEAK:
        return
    region = facts.get("thumbnail_diff_region")
    yield Finding(
        "EXIF_THUMBNAIL_CONTENT_MISMATCH",
        Severity.HIGH if ratio >= THUMBNAIL_RATIO_HIGH else Severity.MEDIUM,
        "The preview the camera stored in the EXIF block matches the main picture except in "
        f"one region (around pixels {region}), which differs {ratio:.0f} times more than the "
        "rest: the picture was changed there after the preview was written and re-saved "
        "with the old metadata kept. Compare the two images side by side.",
        {
            "region": region,
            "difference_ratio": ratio,
            "region_difference": peak,
            "typical_difference": facts.get("thumbnail_diff_median"),
        },
    )


#: The table and frame segments in the order the IJG libjpeg writes them (baseline or
#: progressive, with or without chroma tables): the encoder behind Pillow, OpenCV,
#: ImageMagick, GIMP and most programs. Camera firmware has its own encoders and orders.
_IJG_LAYOUTS = frozenset(
    {
        ("DQT", "DQT", "0xC0", "0xC4", "0xC4", "0xC4", "0xC4", "SOS"),
        ("DQT", "DQT", "0xC2", "0xC4", "0xC4", "0xC4", "0xC4", "SOS"),
        ("DQT", "0xC0", "0xC4", "0xC4", "SOS"),
        # one table per component (Cb and Cr quantized apart, as some cameras do, kept by
        # a re-encode that reuses the file's own tables): libjpeg writes one DQT per table
        ("DQT", "DQT", "DQT", "0xC0", "0xC4", "0xC4", "0xC4", "0xC4", "SOS"),
        ("DQT", "DQT", "DQT", "0xC2", "0xC4", "0xC4", "0xC4", "0xC4", "SOS"),
    }
)


def _names_editor(meta: Metadata) -> bool:
    """Software names an image editor (EXIF_EDITOR_SOFTWARE reports it by name)."""
    return bool(meta.application and _EDITORS.search(meta.application))


def check_library_reencode(meta: Metadata, facts: dict[str, Any]) -> Iterator[Finding]:
    """Camera EXIF on a picture encoded by libjpeg at the size the camera recorded.

    libjpeg starts the file with a JFIF header and writes its tables in a fixed order; a
    camera's firmware does neither that way. A JFIF-first, libjpeg-ordered file whose EXIF
    names a camera and states exactly this picture's size was decoded and re-encoded at
    full size by a program that copied the camera's EXIF over: an edit saved with "keep
    metadata", or an app's re-compression. Resizing apps usually restate a smaller size.
    """
    if not _is_image(facts) or not meta.make:
        return
    segments = facts.get("jpeg_segments")
    if not isinstance(segments, list) or not segments or segments[0] != "APP0:JFIF":
        return
    layout = tuple(s for s in segments if not s.startswith("APP") and s != "COM")
    if layout not in _IJG_LAYOUTS:
        return
    size = (facts.get("width"), facts.get("height"))
    if size != (facts.get("exif_pixel_width"), facts.get("exif_pixel_height")):
        return
    if _names_editor(meta):
        return  # EXIF_EDITOR_SOFTWARE says it already, with the editor's name
    yield Finding(
        "JPEG_REENCODED_WITH_CAMERA_EXIF",
        Severity.LOW,
        f"The EXIF names a camera ({meta.make} {meta.model or ''}".rstrip()
        + f") and this picture's exact size ({size[0]}x{size[1]}), but the file was "
        "encoded by the libjpeg library (JFIF header, libjpeg's table order), not by the "
        "camera: the photo was decoded and saved again with the camera's metadata copied "
        "over. Phones and apps do this when re-compressing photos; so does an edit saved "
        "with 'keep metadata'.",
        {"make": meta.make, "model": meta.model, "segments": segments[:12]},
    )


#: Histogram jaggedness of the luminance DCT coefficients (:mod:`authenticity.extract.jpegdq`)
#: from which a picture was quantized twice: camera originals of the corpus reach 0.38, the
#: same photos saved again with a finer table 0.7-1.9.
DOUBLE_QUANTIZATION = 0.7
#: From here the trace is high: more than 2.5 times the camera originals' highest, where
#: only a second full-size compression under the camera's EXIF explains it.
STRONG_DOUBLE_QUANTIZATION = 1.0


def check_compressed_twice(meta: Metadata, facts: dict[str, Any]) -> Iterator[Finding]:
    """The DCT coefficients of a photo whose EXIF names a camera (and no editor) were
    quantized twice: it was decoded and saved again as JPEG at its size after the camera
    wrote it, and the program that did it kept the EXIF without naming itself."""
    score = facts.get("jpeg_double_quantization")
    if not isinstance(score, int | float) or score < DOUBLE_QUANTIZATION or not meta.make:
        return
    if _names_editor(meta):
        return  # EXIF_EDITOR_SOFTWARE names the program that saved it again
    yield Finding(
        "JPEG_COMPRESSED_TWICE",
        Severity.HIGH if score >= STRONG_DOUBLE_QUANTIZATION else Severity.MEDIUM,
        f"The picture was JPEG-compressed twice (histogram jaggedness {score:.2f} of its "
        f"coefficients; a camera original stays under 0.45): after {meta.make} "
        f"{meta.model or ''}".rstrip()
        + " wrote it, a program decoded it and saved it again at the same size with a finer "
        "table, keeping the camera's EXIF and naming no editor. Edits saved with 'keep "
        "metadata' do this; so do apps that re-compress photos without resizing them.",
        {"score": score, "threshold": DOUBLE_QUANTIZATION, "make": meta.make, "model": meta.model},
    )


#: Relative aspect-ratio difference beyond which the picture is not a resize of the size
#: the EXIF records (rounding of small resizes stays far below it).
CROP_ASPECT_TOLERANCE = 0.03


def check_cropped_keeping_exif(meta: Metadata, facts: dict[str, Any]) -> Iterator[Finding]:
    """The picture's aspect ratio differs from the one the camera recorded in the EXIF
    (PixelXDimension x PixelYDimension, either orientation): it was cropped after capture
    by a program that copied the camera's EXIF over without restating the size. Resizing
    keeps the aspect ratio and is not flagged; editors that name themselves in Software
    are left to EXIF_EDITOR_SOFTWARE."""
    if not _is_image(facts) or not meta.make:
        return
    size = (facts.get("width"), facts.get("height"))
    recorded = (facts.get("exif_pixel_width"), facts.get("exif_pixel_height"))
    if not all(isinstance(v, int) and v > 0 for v in (*size, *recorded)):
        return
    if _names_editor(meta):
        return
    aspect = size[0] / size[1]
    deviation = min(
        abs(aspect - r) / r for r in (recorded[0] / recorded[1], recorded[1] / recorded[0])
    )
    if deviation <= CROP_ASPECT_TOLERANCE:
        return
    yield Finding(
        "EXIF_SIZE_CROPPED",
        Severity.LOW,
        f"The picture is {size[0]}x{size[1]}, but the EXIF the camera wrote "
        f"({meta.make} {meta.model or ''}".rstrip()
        + f") records {recorded[0]}x{recorded[1]}, another shape: the photo was cropped after "
        "capture by a program that copied the camera's metadata over unchanged. Cropping is "
        "an ordinary edit; what was cut away is not known.",
        {"size": list(size), "exif_size": list(recorded), "make": meta.make},
    )


#: Photoshop (Save As, Save for Web, Elements) writes both in every JPEG it encodes: the
#: APP14 "Adobe" colour-transform segment and, except Save for Web, its APP13 resources.
_PHOTOSHOP = re.compile(r"\badobe photoshop\b(?! lightroom| camera raw| express)", re.IGNORECASE)
_PHOTOSHOP_MARKS = ("APP14:Adobe", "APP13:Photoshop 3.0")


def check_editor_encoder(meta: Metadata, facts: dict[str, Any]) -> Iterator[Finding]:
    """The EXIF Software tag names Photoshop, but the picture was not encoded by Photoshop.

    Photoshop sets Software when it saves and always leaves its APP14 "Adobe" segment (and
    its APP13 resources) in the JPEG. A file with Photoshop's Software tag and neither mark
    was decoded and encoded again by another program that copied the EXIF over: an edit
    after the last Photoshop save, or a re-compression keeping the metadata. Medium when
    the picture still has the size Photoshop recorded (a full-size re-encode, what an edit
    does), low when it was resized (web and app re-compressions).
    """
    if not _is_image(facts):
        return
    segments = facts.get("jpeg_segments")
    software = meta.raw.get("Image Software")
    if not isinstance(segments, list) or "SOS" not in segments or not isinstance(software, str):
        return
    if not _PHOTOSHOP.search(software) or any(m in segments for m in _PHOTOSHOP_MARKS):
        return
    size = (facts.get("width"), facts.get("height"))
    same_size = size == (facts.get("exif_pixel_width"), facts.get("exif_pixel_height"))
    yield Finding(
        "JPEG_REENCODED_AFTER_EDITOR",
        Severity.MEDIUM if same_size else Severity.LOW,
        f"The EXIF says Photoshop saved this picture (Software '{software}'), but the file "
        "lacks the segments Photoshop writes in every JPEG (APP14 'Adobe', APP13 "
        "resources): another program decoded and re-encoded it afterwards, copying the "
        "EXIF over"
        + (" at the same size: an edit after the last Photoshop save." if same_size else "."),
        {"software": software, "segments": segments[:12], "size": list(size)},
    )


def check_editor_software(meta: Metadata, facts: dict[str, Any]) -> Iterator[Finding]:
    if not _is_image(facts):
        return
    candidates = [
        ("Software", meta.application),
        ("xmp:CreatorTool", facts.get("xmp_creator_tool")),
    ]
    for field_name, value in candidates:
        if isinstance(value, str) and _EDITORS.search(value):
            yield Finding(
                "EXIF_EDITOR_SOFTWARE",
                Severity.MEDIUM,
                f"The image was last written by an image editor ({field_name} '{value}'): it "
                "was edited or re-exported after capture. That is common and not forgery "
                "by itself, but the pixels may not be what the camera recorded.",
                {field_name: value, "make": meta.make, "model": meta.model},
            )
            return


#: Tags Windows' imaging component (WIC) adds when it rewrites a photo's EXIF: 0xEA1C
#: Padding (reserve space for in-place edits) and 0xEA1D OffsetSchema (how far it moved
#: the maker note). Cameras do not write them.
_WINDOWS_TAGS = ("Image Padding", "EXIF Padding", "EXIF OffsetSchema")


def check_written_by_windows(meta: Metadata, facts: dict[str, Any]) -> Iterator[Finding]:
    """The EXIF was rewritten by Windows: Explorer's Properties > Details (where "Date
    taken" and the authors can be typed in), the Photos app, Windows Photo Gallery, or a
    program built on Windows' imaging component (paint.net, Olympus Master ...)."""
    if not _is_image(facts) or not isinstance(meta.raw, dict):
        return
    tags = [t for t in _WINDOWS_TAGS if t in meta.raw]
    if not tags:
        return
    yield Finding(
        "EXIF_WRITTEN_BY_WINDOWS",
        Severity.LOW,
        f"The EXIF carries {', '.join(tags)}, tags Windows adds when it rewrites a photo's "
        "metadata (Explorer's Properties > Details, where 'Date taken' can be typed in; the "
        "Photos app; programs built on Windows' imaging component): the metadata was edited "
        "after capture"
        + (
            f", and Software names '{meta.application}'."
            if meta.application
            else ", and no program named itself in Software."
        ),
        {"tags": tags, "software": meta.application, "make": meta.make, "model": meta.model},
    )


def check_makernote_moved(meta: Metadata, facts: dict[str, Any]) -> Iterator[Finding]:
    """A Canon maker note moved inside the EXIF without its offsets being fixed.

    The camera writes the note's values right after its directory, with offsets counted
    from the EXIF header; a program that rebuilds the EXIF without knowing the format
    (Pillow, piexif, web tools) copies the note to a new place and its offsets then miss
    their values by the distance moved (fact ``exif_makernote_shift``, read by
    :mod:`authenticity.extract.makernote`). Medium on a full-size picture whose Software
    names no editor: the EXIF was rewritten by a script, the way a date is edited with
    Python; low when an editor is named or the picture was resized (gallery and web tools
    do that to ordinary photos).
    """
    shift = facts.get("exif_makernote_shift")
    if not isinstance(shift, int) or shift == 0 or not _is_image(facts):
        return
    size = (facts.get("width"), facts.get("height"))
    recorded = (facts.get("exif_pixel_width"), facts.get("exif_pixel_height"))
    full_size = size == recorded and all(isinstance(v, int) and v > 0 for v in size)
    editor = _names_editor(meta)
    why = (
        f"{meta.application!r} rewrote it"
        if editor
        else "the picture was resized too"
        if not full_size
        else "no editor names itself, and the picture is at the size the camera recorded"
    )
    yield Finding(
        "EXIF_MAKERNOTE_MOVED",
        Severity.MEDIUM if full_size and not editor else Severity.LOW,
        f"The camera's maker note ({meta.make}) was moved {abs(shift)} bytes inside the EXIF "
        "without its internal offsets being fixed: a program that does not know the format "
        "rebuilt the EXIF after the camera wrote it (Python's Pillow and piexif do that when a "
        f"date or tag is edited; ExifTool does not); {why}.",
        {
            "shift_bytes": shift,
            "make": meta.make,
            "model": meta.model,
            "software": meta.application,
            "full_size": full_size,
        },
    )


#: EXIF fields of type ASCII that carry names; a camera's menu types them in ASCII.
_NAME_TAGS = (("Image Artist", "Artist"), ("Image Copyright", "Copyright"))


def check_name_not_from_camera(meta: Metadata, facts: dict[str, Any]) -> Iterator[Finding]:
    """A name in a non-Latin script (Cyrillic, Greek, CJK, Arabic ...) in the Artist or
    Copyright field of EXIF that a camera wrote (a Make, no editor in Software). Camera
    menus type these fields in ASCII; only a program on a computer (ExifTool, piexif, a
    metadata editor) puts UTF-8 there, after the photo was taken, and this one did not
    name itself. Medium: a photographer may tag photos with their own name, but a name
    added after the fact is also how a forger signs an insert with someone else's."""
    from authenticity.dumpwide.baseline import script_letters

    if not _is_image(facts) or not meta.make or _names_editor(meta):
        return
    raw = meta.raw if isinstance(meta.raw, dict) else {}
    for tag, label in _NAME_TAGS:
        value = raw.get(tag)
        if not isinstance(value, str) or value.startswith(("b'", 'b"')):
            continue
        scripts = sorted(set(script_letters(value[:2000])) - {"Latin"})
        if not scripts:
            continue
        yield Finding(
            "EXIF_NAME_NOT_FROM_CAMERA",
            Severity.MEDIUM,
            f"The EXIF {label} field of this {meta.make} photo reads {value[:80]!r}, in "
            f"{' and '.join(scripts)} script. A camera's menu types that field in ASCII, so a "
            "program wrote the name into the camera's EXIF after the photo was taken, "
            "without naming itself in the Software tag.",
            {"field": label, "value": value[:200], "scripts": scripts, "make": meta.make},
        )
        return


CHECKS = (
    lambda meta, facts, ctx: check_gps_time(meta, facts),
    lambda meta, facts, ctx: check_makernote_time(meta, facts),
    lambda meta, facts, ctx: check_written_by_windows(meta, facts),
    lambda meta, facts, ctx: check_xmp_capture_time(meta, facts),
    lambda meta, facts, ctx: check_iptc_capture_time(meta, facts),
    lambda meta, facts, ctx: check_xmp_modify_date(meta, facts),
    lambda meta, facts, ctx: check_taken_vs_digitized(meta, facts),
    lambda meta, facts, ctx: check_thumbnail_date(meta, facts),
    lambda meta, facts, ctx: check_thumbnail_content(meta, facts),
    lambda meta, facts, ctx: check_library_reencode(meta, facts),
    lambda meta, facts, ctx: check_cropped_keeping_exif(meta, facts),
    lambda meta, facts, ctx: check_editor_encoder(meta, facts),
    lambda meta, facts, ctx: check_editor_software(meta, facts),
    lambda meta, facts, ctx: check_makernote_moved(meta, facts),
    lambda meta, facts, ctx: check_compressed_twice(meta, facts),
    lambda meta, facts, ctx: check_name_not_from_camera(meta, facts),
)
