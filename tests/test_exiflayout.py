"""EXIF layout (authenticity.extract.exiflayout) and the dump-wide comparison of a photo's
layout with its camera's other photos (authenticity.dumpwide.exiflayout), on corpus photos
rewritten by the real tools: ExifTool's date shift and Pillow's EXIF writer."""

from __future__ import annotations

import io
from pathlib import Path

from PIL import Image

from authenticity.dumpwide.exiflayout import _Photo, unlike_siblings
from authenticity.extract.exiflayout import exif_layout
from authenticity.extract.image import _tiff_block, extract_image, jpeg_marker_segments
from authenticity.model import Severity
from tests.conftest import corpus_file, exiftool_edit
from tests.factories import dump_findings_of

#: Three photos of one FujiFilm DS-7: the camera puts every directory first, values after.
DS7 = [f"image/drewnoakes__jpg_FujiFilm_DS-7_({k}).jpg" for k in (1, 2, 3)]
#: An Olympus PEN E-P3 original (reserved space after the directories).
OLYMPUS = "image/drewnoakes__jpg_Olympus_PEN_E-P3.jpg"
#: Sony Cybershot photos: this firmware writes the canonical layout itself.
CYBERSHOT = [f"image/drewnoakes__jpg_Sony_Cybershot_({k}).jpg" for k in (1, 2, 3)]
CODE = "EXIF_LAYOUT_UNLIKE_SAME_CAMERA"


def exiftool_shift(data: bytes, tmp_path: Path, name: str = "photo.jpg") -> bytes:
    """The photo with every date moved forward nine days by ``exiftool -AllDates+=``."""
    return exiftool_edit(data, tmp_path, "-m", "-AllDates+=0:0:9 0:0:0", name=name)


def pillow_exif_rewrite(data: bytes) -> bytes:
    """The photo with its APP1 Exif segment replaced by Pillow's ``Exif.tobytes()`` of the
    same tags, one date changed (the compressed picture is kept byte for byte)."""
    exif = Image.open(io.BytesIO(data)).getexif()
    exif[0x0132] = "2017:04:12 09:30:00"
    new = exif.tobytes()
    for marker, pos, body in jpeg_marker_segments(data):
        if marker == 0xE1 and body.startswith(b"Exif\x00\x00"):
            segment = b"\xff\xe1" + (len(new) + 2).to_bytes(2, "big") + new
            return data[:pos] + segment + data[pos + 4 + len(body) :]
    raise AssertionError("no Exif segment")


def layout_of(data: bytes) -> dict:
    tiff = _tiff_block(data)
    assert tiff is not None
    layout = exif_layout(tiff)
    assert layout is not None
    return layout


def test_camera_layouts_are_read_from_the_photo():
    olympus = layout_of(corpus_file(OLYMPUS))
    assert olympus["canonical"] is False
    assert olympus["order"] == "IFD0>Exif>IFD1>Interop"
    assert olympus["values"] >= 20
    assert extract_image(corpus_file(OLYMPUS)).facts["exif_layout"] == olympus
    assert layout_of(corpus_file(CYBERSHOT[0]))["canonical"] is True


def test_exiftool_date_shift_rebuilds_the_layout(tmp_path):
    shifted = exiftool_shift(corpus_file(OLYMPUS), tmp_path)
    layout = layout_of(shifted)
    assert layout["canonical"] is True
    assert layout["order"] == "IFD0>Exif>Interop>IFD1"


def test_pillow_exif_writer_rebuilds_the_layout():
    data = corpus_file(DS7[0])
    assert layout_of(data)["canonical"] is False
    assert layout_of(pillow_exif_rewrite(data))["canonical"] is True


def test_damaged_blocks_have_no_layout():
    tiff = _tiff_block(corpus_file(OLYMPUS))
    assert tiff is not None
    assert exif_layout(b"") is None
    assert exif_layout(b"XX*\x00" + tiff[4:]) is None
    # IFD0 claims 65,535 entries: more than the block holds.
    order = "little" if tiff[:2] == b"II" else "big"
    first = int.from_bytes(tiff[4:8], order)
    broken = tiff[:first] + b"\xff\xff" + tiff[first + 2 :]
    assert exif_layout(broken) is None
    # A value offset beyond the block: nothing to compare.
    assert exif_layout(tiff[: first + 40]) is None


def test_rewritten_photo_among_its_cameras_originals_is_named(tmp_path):
    originals = {f"dump/DSCF000{k}.JPG": corpus_file(p) for k, p in enumerate(DS7[:2], 1)}
    forged = exiftool_shift(corpus_file(DS7[2]), tmp_path)
    found = dump_findings_of({**originals, "dump/DSCF0003.JPG": forged}, CODE)
    assert [f.severity for f in found["dump/DSCF0003.JPG"]] == [Severity.MEDIUM]
    finding = found["dump/DSCF0003.JPG"][0]
    assert finding.evidence["siblings"] == 2
    assert sorted(finding.evidence["other_paths"]) == sorted(originals)
    assert "DS-7" in finding.message
    assert not found["dump/DSCF0001.JPG"] and not found["dump/DSCF0002.JPG"]


def test_originals_alone_and_canonical_cameras_say_nothing(tmp_path):
    originals = {f"a/{k}.jpg": corpus_file(p) for k, p in enumerate(DS7)}
    assert not any(dump_findings_of(originals, CODE).values())
    # The Cybershot writes the canonical layout itself: a rewrite looks like its originals.
    sony = {f"s/{k}.jpg": corpus_file(p) for k, p in enumerate(CYBERSHOT[:2])}
    sony["s/forged.jpg"] = exiftool_shift(corpus_file(CYBERSHOT[2]), tmp_path)
    assert not any(dump_findings_of(sony, CODE).values())
    # One sibling is not enough to tell the camera's way.
    pair = {"p/1.jpg": corpus_file(DS7[0]), "p/2.jpg": pillow_exif_rewrite(corpus_file(DS7[1]))}
    assert not any(dump_findings_of(pair, CODE).values())


def test_a_rewritten_majority_is_not_judged():
    native = [_Photo(f"n{k}", False, "IFD0>Exif>IFD1") for k in range(2)]
    rebuilt = [_Photo(f"r{k}", True, "IFD0>Exif>IFD1") for k in range(2)]
    assert unlike_siblings(native + rebuilt) == []
    assert unlike_siblings([*native, native[0], rebuilt[0]]) == [rebuilt[0]]
