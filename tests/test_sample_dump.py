"""The bundled sample dump (data/sample_dump, made by data/make_sample_dump.py).

data/README.md lists its seven forged inserts; the scan must flag exactly those, and the
message the forger rewrote to carry one of them (README: "A scan flags mail/0042.eml as
well").
"""

from __future__ import annotations

import datetime as dt
import json

from authenticity.config import Settings
from authenticity.pipeline import run_scan
from tests.conftest import REPO, assert_contract

FORGED = {
    "mail/0042.eml!/budget-deplacements.xlsx",
    "documents/note-interne-financement.docx",
    "documents/rapport-tresorerie-avril.pdf",
    "documents/virement-confirmation.pdf",
    "mail/0053.eml!/releve-dons-avril.pdf",
    "mail/0061.eml",
    "mail/0064.eml",
}
#: The message rewritten to carry insert (a): it holds a file saved after its own Date.
REWRITTEN_CARRIER = "mail/0042.eml"


def test_sample_dump_flags_the_forged_inserts_only(tmp_path):
    dump = REPO / "data" / "sample_dump"
    readme = (REPO / "data" / "README.md").read_text()
    for path in FORGED | {REWRITTEN_CARRIER}:  # the expectations documented for reviewers
        assert path in readme
    run_scan(str(dump), tmp_path, Settings(workers=2, leak_date=dt.date(2017, 5, 5)))
    cards = [json.loads(x) for x in (tmp_path / "scorecards.jsonl").read_text().splitlines()]
    for card in cards:
        assert_contract(card)
    flagged = {c["path"] for c in cards if c["verdict"] in {"suspicious", "likely_forged"}}
    assert flagged == FORGED | {REWRITTEN_CARRIER}
    assert not [c["path"] for c in cards if c["verdict"] == "unreadable"]
    files = {p.relative_to(dump).as_posix() for p in dump.rglob("*") if p.is_file()}
    assert files <= {c["path"] for c in cards}
