"""Issue 8: a dump built to hurt is scanned to completion, safely, with a card per document.

The dump (``tests/hostile_dump.py``) holds decompression bombs, 12 nested zips, a
20,000-member zip, zip slip and absolute names, tar links and devices, billion laughs and
XXE in OOXML, broken and self-referencing PDFs, an executable named .pdf, 3,000-level
nested MIME, traversal attachment names, names with newlines and invalid UTF-8, a
255-byte name and a deep directory tree. It is scanned once in-process with
:func:`run_scan` and once through the CLI under a 6 GiB address-space limit.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from authenticity.config import Settings
from authenticity.pipeline import run_scan
from tests.conftest import REPO, assert_contract
from tests.hostile_dump import PASSWD_MARKERS, SCRIPT, build_hostile_dump

SCAN_BUDGET_S = 300  # acceptance: each scan completes in under 5 minutes
ADDRESS_SPACE = 6 * (1 << 30)

EVIL_NAMES = ("evil.txt", "evil", "evil-backslash.txt", "evil-deep.txt", "evil-tar.txt")


def _tree(path: Path) -> set[bytes]:
    """Every entry under ``path`` as raw bytes (names that are not UTF-8 included)."""
    out: set[bytes] = set()
    for dirpath, dirnames, filenames in os.walk(os.fsencode(path)):
        for name in dirnames + filenames:
            out.add(os.path.join(dirpath, name))
    return out


def _dump_files(root: Path) -> list[bytes]:
    """Regular files of the dump tree, as raw paths relative to the root."""
    out = []
    broot = os.fsencode(root)
    for dirpath, _, filenames in os.walk(broot):
        for name in filenames:
            out.append(os.path.relpath(os.path.join(dirpath, name), broot))
    return out


def _read_cards(path: Path) -> list[dict]:
    raw = path.read_bytes()
    text = raw.decode("utf-8")  # strict: the output must be valid UTF-8
    return [json.loads(line) for line in text.splitlines() if line]


@pytest.fixture(scope="module")
def hostile(tmp_path_factory):
    base = tmp_path_factory.mktemp("hostile")
    info = build_hostile_dump(base / "dump")
    info["base"] = base
    return info


@pytest.fixture(scope="module")
def scanned(hostile):
    """The in-process scan: its cards by path, its duration and the tree before/after."""
    base: Path = hostile["base"]
    work = base / "cwd" / "a" / "b"  # '../../evil.txt' relative to here stays inside base
    work.mkdir(parents=True)
    before = _tree(base)
    out = base / "out-lib"
    cwd = os.getcwd()
    os.chdir(work)
    try:
        started = time.monotonic()
        # Every document in the static report (default: the 5,000 most suspicious), so
        # that the odd names' escaping is checked there too.
        result = run_scan(
            str(hostile["root"]), out, Settings(workers=2, report_max_documents=100_000)
        )
        elapsed = time.monotonic() - started
    finally:
        os.chdir(cwd)
    after = _tree(base)
    cards = _read_cards(result.scorecards_path)
    return {
        "result": result,
        "cards": cards,
        "by_path": {c["path"]: c for c in cards},
        "elapsed": elapsed,
        "before": before,
        "after": after,
        "out": out,
    }


def test_scan_completes_in_time(scanned):
    assert scanned["elapsed"] < SCAN_BUDGET_S
    assert scanned["result"].documents == len(scanned["cards"])


def test_every_card_meets_the_contract(scanned):
    for card in scanned["cards"]:
        assert_contract(card)
    paths = [c["path"] for c in scanned["cards"]]
    assert len(paths) == len(set(paths)), "provenance paths must be unique"


def test_a_card_for_every_expected_document(hostile, scanned):
    missing = sorted(hostile["expected"] - scanned["by_path"].keys())
    assert not missing, f"no scorecard for {missing[:10]}"


def test_a_card_for_every_file_of_the_tree(hostile, scanned):
    shown = set()
    for rel in _dump_files(hostile["root"]):
        text = rel.decode("utf-8", "backslashreplace")
        shown.add(text)
    missing = sorted(shown - scanned["by_path"].keys())
    assert not missing, f"files of the dump tree without a scorecard: {missing}"


def _findings(card: dict) -> list[dict]:
    return card["findings"]


def test_each_entry_causes_its_problems(hostile, scanned):
    by_path = scanned["by_path"]
    for entry in hostile["entries"]:
        if not entry.problems:
            continue
        codes = {
            f["code"]
            for path, card in by_path.items()
            if path == entry.path or path.startswith(entry.path + "!/")
            for f in _findings(card)
        }
        for code in entry.problems:
            assert code in codes, f"{entry.kind}: no {code} finding (got {sorted(codes)})"


def test_bombs_are_findings_not_outages(scanned):
    bomb = scanned["by_path"]["bombs/zip-bomb.zip"]
    codes = [f["code"] for f in bomb["findings"]]
    assert "ARCHIVE_RATIO_LIMIT" in codes and "ARCHIVE_SIZE_LIMIT" in codes
    assert "ARCHIVE_UNREADABLE" in codes  # the member whose header lies about its size
    gz = scanned["by_path"]["bombs/zeros.bin.gz"]
    assert "ARCHIVE_RATIO_LIMIT" in [f["code"] for f in gz["findings"]]
    # Nothing decompressed to a large size was carried as a document.
    assert max(c["size"] for c in scanned["cards"]) < 16 << 20


def test_nothing_written_outside_the_output(hostile, scanned):
    base: Path = hostile["base"]
    out = os.fsencode(scanned["out"])
    new = {p for p in scanned["after"] - scanned["before"] if not p.startswith(out)}
    assert not new, f"written outside the output folder: {sorted(new)[:10]}"
    for path in scanned["after"]:
        assert os.path.basename(path).decode("utf-8", "replace") not in EVIL_NAMES, path
    for outside in (Path("/etc/evil"), Path("/etc/evil-tar"), base.parent / "evil.txt"):
        assert not outside.exists(), outside
    assert not (Path.cwd() / ".." / ".." / "evil.txt").exists()


def test_traversal_names_are_provenance_text(scanned):
    by_path = scanned["by_path"]
    assert "slip/slip.zip!/../../evil.txt" in by_path
    assert "slip/slip.zip!//etc/evil" in by_path
    assert "tar/links.tar!/../../evil-tar.txt" in by_path
    assert "mail/attachments.eml!/x.pdf" in by_path  # reduced to one segment


def test_odd_names_are_kept_in_provenance(scanned):
    by_path = scanned["by_path"]
    assert "names/new\nline.txt" in by_path
    assert "slip/slip.zip!/new\nline.txt" in by_path
    # Bytes that are not UTF-8 are kept as \xNN text; the JSON output stays valid UTF-8.
    assert "names/bad-\\xff\\xfe-utf8.txt" in by_path
    assert "names/latin1-caf\\xe9.pdf" in by_path
    assert by_path["names/bad-\\xff\\xfe-utf8.txt"]["size"] == len(b"a name that is not UTF-8\n")
    assert any(len(Path(p).name.encode()) == 255 for p in by_path)
    report = (scanned["out"] / "report.html").read_bytes().decode("utf-8")
    assert "bad-\\xff\\xfe-utf8.txt" in report


def test_tar_member_name_not_utf8(tmp_path):
    from tests.hostile_dump import tar_links

    data, _ = tar_links(bad_name=True)
    (tmp_path / "dump").mkdir()
    (tmp_path / "dump" / "links.tar").write_bytes(data)
    result = run_scan(str(tmp_path / "dump"), tmp_path / "out", Settings(workers=0))
    paths = {c["path"] for c in _read_cards(result.scorecards_path)}
    assert "links.tar!/tar-bad-\\xff\\xfe.txt" in paths


def test_metadata_markup_is_escaped_in_the_report(scanned):
    card = scanned["by_path"]["pdf/script-author.pdf"]
    assert SCRIPT in json.dumps(card, ensure_ascii=False).replace('\\"', '"')
    report = (scanned["out"] / "report.html").read_text(encoding="utf-8")
    assert "<script>alert" not in report and "<img src=x" not in report


def test_xxe_did_not_read_local_files(scanned):
    for path in ("ooxml/xxe.docx", "ooxml/xxe-parameter.docx"):
        text = json.dumps(scanned["by_path"][path])
        for marker in PASSWD_MARKERS:
            assert marker not in text, f"{path} scorecard contains {marker!r}"
    whole = scanned["result"].scorecards_path.read_text(encoding="utf-8")
    assert "root:x:0:0" not in whole


def test_billion_laughs_did_not_expand(scanned):
    card = scanned["by_path"]["ooxml/billion-laughs.docx"]
    text = json.dumps(card)
    assert "lollollollol" not in text
    assert len(text) < 100_000
    reason = (card.get("error") or "").lower()
    assert "memory" not in reason and "crash" not in reason, card.get("error")


def test_hostile_pdfs_and_mime_are_cards(scanned):
    by_path = scanned["by_path"]
    for path in (
        "pdf/truncated.pdf",
        "pdf/self-reference.pdf",
        "pdf/ls.pdf",
        "mail/nested-3000.eml",
        "mail/attachments.eml",
    ):
        card = by_path[path]
        reason = (card.get("error") or "").lower()
        assert "hung" not in reason and "crashed" not in reason, (path, card.get("error"))
    assert by_path["pdf/ls.pdf"]["mime"] != "application/pdf"


def test_cli_scan_under_address_space_limit(hostile, tmp_path):
    """The same dump through ``python -m authenticity scan`` under ``ulimit -v`` 6 GiB."""
    import resource

    def limit() -> None:
        resource.setrlimit(resource.RLIMIT_AS, (ADDRESS_SPACE, ADDRESS_SPACE))

    out = tmp_path / "out-cli"
    work = tmp_path / "cwd" / "a" / "b"
    work.mkdir(parents=True)
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    started = time.monotonic()
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "authenticity",
            "scan",
            str(hostile["root"]),
            "--out",
            str(out),
            "--engine",
            "local",
            "--quiet",
        ],
        cwd=work,
        env=env,
        preexec_fn=limit,
        capture_output=True,
        timeout=SCAN_BUDGET_S,
    )
    elapsed = time.monotonic() - started
    assert proc.returncode == 0, proc.stderr.decode("utf-8", "replace")[-3000:]
    assert elapsed < SCAN_BUDGET_S
    cards = _read_cards(out / "scorecards.jsonl")
    paths = {c["path"] for c in cards}
    assert hostile["expected"] <= paths
    for card in cards:
        assert_contract(card)
    new = [p for p in _tree(tmp_path) if not p.startswith(os.fsencode(out))]
    assert all(os.path.basename(p).decode("utf-8", "replace") not in EVIL_NAMES for p in new)


def test_non_utf8_names_do_not_collide(tmp_path):
    """A name shown as ``\\xff`` text and a file literally named that stay distinct."""
    from authenticity.ingest import iter_documents

    root = tmp_path / "dump"
    root.mkdir()
    with open(os.path.join(os.fsencode(root), b"a\xff.txt"), "wb") as fh:
        fh.write(b"raw byte\n")
    (root / "a\\xff.txt").write_bytes(b"literal backslash\n")
    docs = list(iter_documents(root))
    paths = sorted(d.path for d in docs)
    assert len(set(paths)) == 2, paths
    for doc in docs:
        doc.path.encode("utf-8")  # always encodable
    assert {d.read() for d in docs} == {b"raw byte\n", b"literal backslash\n"}
