"""The camera-numbering pass (authenticity.dumpwide.numbering) on real photos.

A series is made from a corpus camera photo: each "shot" a different crop saved by Pillow
with the camera's EXIF and its own capture time, named as the camera names its files; the
forged one has its dates moved by ExifTool, as the outside-tools benchmark's recipe does.
"""

from __future__ import annotations

import datetime as dt
import io
import json
from pathlib import Path

import pytest

from authenticity.config import Settings
from authenticity.dumpwide.numbering import camera_counter
from authenticity.model import Severity
from tests.conftest import exiftool_edit
from tests.factories import dump_findings_of

CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpus"
#: Canon EOS 7D, no body serial number in its EXIF.
NO_SERIAL = CORPUS / "image" / "drewnoakes__jpg_Canon_EOS_7D.jpg"
#: Canon EOS REBEL T3i with ``BodySerialNumber``.
WITH_SERIAL = CORPUS / "image" / "drewnoakes__jpg_Canon_EOS_REBEL_T3i.jpg"
START = dt.datetime(2017, 4, 12, 9, 30)
CODE = "TS_OUT_OF_CAMERA_SEQUENCE"


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("IMG_0412.JPG", ("IMG", 412)),
        ("mail.eml!/att/IMG_0412.jpg", ("IMG", 412)),
        ("DSC_0412.JPG", ("DSC", 412)),
        ("_DSC0412.JPG", ("_DSC", 412)),
        ("DSC00412.JPG", ("DSC", 412)),
        ("DSCF0412.JPG", ("DSCF", 412)),
        ("P1010412.JPG", ("P101", 412)),
        ("100_0412.JPG", ("100", 412)),
        ("_MG_0412.JPG", ("_MG", 412)),
        ("IMG_0412 (1).JPG", ("IMG", 412)),
        ("IMG_20170412_142311.jpg", None),  # a date stamp, not a counter
        ("IMG_0412-edited.jpg", None),
        ("holiday 0412.jpg", None),
        ("IMG_0412", None),
        ("photo.jpg", None),
    ],
)
def test_camera_counter(name, expected):
    assert camera_counter(name) == expected


def _corpus(path: Path) -> bytes:
    if not path.is_file():
        pytest.skip(f"corpus file missing: {path}")
    return path.read_bytes()


def _shot(source: bytes, index: int, taken: dt.datetime) -> bytes:
    """A different picture per index (a crop), the camera's EXIF with this capture time."""
    from PIL import Image

    im = Image.open(io.BytesIO(source))
    exif = im.getexif()
    stamp = taken.strftime("%Y:%m:%d %H:%M:%S")
    exif[0x0132] = stamp  # DateTime
    sub = exif.get_ifd(0x8769)
    sub[0x9003] = stamp  # DateTimeOriginal
    sub[0x9004] = stamp  # DateTimeDigitized
    box = (index * 7, index * 5, im.width - index * 3, im.height - index * 4)
    out = io.BytesIO()
    im.crop(box).save(out, "JPEG", quality=90, exif=exif.tobytes())
    return out.getvalue()


def _shift(data: bytes, tmp_path: Path, shift: str) -> bytes:
    return exiftool_edit(data, tmp_path, f"-AllDates{shift}", name="shift.jpg")


def _series(source: bytes, names: list[str], gap: dt.timedelta) -> dict[str, bytes]:
    return {name: _shot(source, i, START + i * gap) for i, name in enumerate(names)}


def _findings(files: dict[str, bytes]) -> dict[str, list]:
    return dump_findings_of(files, CODE)


def test_a_photo_moved_forward_breaks_its_cameras_series(tmp_path):
    names = [f"photos/IMG_{n:04d}.JPG" for n in range(101, 107)]
    files = _series(_corpus(NO_SERIAL), names, dt.timedelta(minutes=20))
    forged = "photos/IMG_0103.JPG"
    files[forged] = _shift(files[forged], tmp_path, "+=0:9:0 0:0:0")
    found = _findings(files)
    (finding,) = found[forged]
    assert finding.severity is Severity.MEDIUM  # no serial number: could be another 7D
    ev = finding.evidence
    assert ev["counter"] == 103 and ev["prefix"] == "IMG"
    assert ev["taken"].startswith("2018-01-12")
    assert ev["contradicted"] == 3 and ev["neighbours"] == 5
    assert ev["other_paths"][0] == "photos/IMG_0104.JPG"
    assert ev["camera"] == {"make": "canon", "model": "canon eos 7d", "serial": None}
    assert "numbered after it were taken before it" in finding.message
    assert "in a Canon EOS 7D's series (IMG)" in finding.message
    assert all(found[p] == [] for p in names if p != forged)


def test_the_last_photo_moved_back_is_seen_and_a_serial_number_makes_it_high(tmp_path):
    names = [f"dcim/DSC_{n:04d}.JPG" for n in range(7, 12)]
    files = _series(_corpus(WITH_SERIAL), names, dt.timedelta(hours=5))
    forged = "dcim/DSC_0011.JPG"
    files[forged] = _shift(files[forged], tmp_path, "-=0:0:5 0:0:0")
    found = _findings(files)
    (finding,) = found[forged]
    assert finding.severity is Severity.HIGH
    assert finding.evidence["camera"]["serial"] == "142066080698"
    assert finding.evidence["contradicted"] == 4
    assert "numbered before it were taken after it" in finding.message
    assert all(found[p] == [] for p in names if p != forged)


def test_an_ordered_series_and_interleaved_cameras_raise_nothing(tmp_path):
    source = _corpus(NO_SERIAL)
    ordered = _series(source, [f"IMG_{n:04d}.JPG" for n in range(1, 7)], dt.timedelta(days=3))
    assert all(v == [] for v in _findings(ordered).values())
    # two cameras of one model whose counters interleave: neither run is in order around
    # any photo, so no photo is singled out
    mixed = {}
    for i, n in enumerate(range(201, 209)):
        taken = START + dt.timedelta(hours=i) if n % 2 else START - dt.timedelta(days=400 - i)
        mixed[f"staff/IMG_{n:04d}.JPG"] = _shot(source, i, taken)
    assert all(v == [] for v in _findings(mixed).values())


def test_names_without_a_counter_are_not_compared(tmp_path):
    names = [f"photos/holiday-{c}.jpg" for c in "abcdef"]
    files = _series(_corpus(NO_SERIAL), names, dt.timedelta(minutes=20))
    files[names[2]] = _shift(files[names[2]], tmp_path, "+=0:9:0 0:0:0")
    assert all(v == [] for v in _findings(files).values())


def test_a_scan_reports_the_photo_out_of_sequence(tmp_path):
    """End to end: the names come from the results store, the photo sits in a zip."""
    import zipfile

    from authenticity.pipeline import run_scan

    names = [f"IMG_{n:04d}.JPG" for n in range(4821, 4827)]
    files = _series(_corpus(NO_SERIAL), names, dt.timedelta(minutes=7))
    files["IMG_4822.JPG"] = _shift(files["IMG_4822.JPG"], tmp_path, "-=1:2:0 0:0:0")
    dump = tmp_path / "dump"
    dump.mkdir()
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        for name, data in files.items():
            zf.writestr(f"camera/{name}", data)
    (dump / "scans.zip").write_bytes(buf.getvalue())
    run_scan(str(dump), tmp_path / "out", Settings(workers=1))
    cards = {
        c["path"]: c
        for c in map(json.loads, (tmp_path / "out" / "scorecards.jsonl").read_text().splitlines())
    }
    flagged = {p for p, c in cards.items() if any(f["code"] == CODE for f in c["findings"])}
    assert flagged == {"scans.zip!/camera/IMG_4822.JPG"}
    card = cards["scans.zip!/camera/IMG_4822.JPG"]
    (finding,) = [f for f in card["findings"] if f["code"] == CODE]
    assert finding["evidence"]["taken"].startswith("2016-02-12")
    # the classifier reads it as timeline evidence: the moved photo scores above its series
    others = [c["score"] for p, c in cards.items() if p.endswith(".JPG") and p not in flagged]
    assert len(others) == 5 and card["score"] > max(others)


def test_a_rescan_reads_the_series_back_from_the_store(tmp_path):
    """Second scan of a grown dump: the photos' analyses come from the results store (their
    EXIF serial number and capture time as stored JSON) and give the same finding."""
    import json

    from authenticity.pipeline import run_scan

    names = [f"IMG_{n:04d}.JPG" for n in range(301, 306)]
    files = _series(_corpus(WITH_SERIAL), names, dt.timedelta(hours=1))
    files["IMG_0303.JPG"] = _shift(files["IMG_0303.JPG"], tmp_path, "+=0:0:9 0:0:0")
    dump = tmp_path / "dump"
    dump.mkdir()
    for name, data in files.items():
        (dump / name).write_bytes(data)
    out, store = tmp_path / "out", f"sqlite:///{tmp_path / 'store.sqlite'}"

    def flagged() -> dict[str, str]:
        cards = map(json.loads, (out / "scorecards.jsonl").read_text().splitlines())
        return {c["path"]: f["severity"] for c in cards for f in c["findings"] if f["code"] == CODE}

    run_scan(str(dump), out, Settings(workers=1), store)
    assert flagged() == {"IMG_0303.JPG": "high"}
    (dump / "notes.txt").write_text("a new file: the dump-wide pass runs again")
    second = run_scan(str(dump), out, Settings(workers=1), store)
    assert second.analysed == 1 and not second.unchanged  # only notes.txt analysed
    assert flagged() == {"IMG_0303.JPG": "high"}
