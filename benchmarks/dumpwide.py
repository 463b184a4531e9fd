"""Time the dump-wide pass on synthetic documents: ``python benchmarks/dumpwide.py [N]``.

Builds N text documents (10 % of them modified copies of another) plus metadata for the
baseline, then times each module of :mod:`authenticity.dumpwide`. Then N emails, half of
them replies quoting the message they answer (1 % of the answered bodies changed after
the reply: the quoted-text pass must find those and nothing else; a tenth of the emails
forward an earlier one, and the forwarded-text pass must find the altered ones among
those), and N/2 camera photos
numbered in series (1 % of them moved in time), timed through the streaming collectors
with an in-memory resolver; the emails go through three relays within two minutes, and
the relay-delay pass must find the 1 in 500 whose Date was moved back nine days.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import random
import sys
import time

from authenticity.dumpwide import MemoryResolver, dump_findings
from authenticity.dumpwide._common import distinct_contents
from authenticity.dumpwide.attachments import AttachmentCollector
from authenticity.dumpwide.baseline import baseline_findings
from authenticity.dumpwide.email import email_findings
from authenticity.dumpwide.forwards import ForwardCollector
from authenticity.dumpwide.neardup import neardup_findings
from authenticity.dumpwide.numbering import NumberingCollector
from authenticity.dumpwide.quotes import QuoteCollector
from authenticity.dumpwide.relays import RelayCollector
from authenticity.model import Analysis, Document, Metadata

MIMES = [
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "application/pdf",
]
AUTHORS = ["Alice Martin", "Julien Moreau", "Claire Petit", "Hugo Bernard", "Léa Durand"]


def build(n: int, seed: int = 1) -> list[tuple[Document, Analysis]]:
    rng = random.Random(seed)
    vocab = [f"mot{i}" for i in range(20_000)]
    items: list[tuple[Document, Analysis]] = []
    texts: list[str] = []
    for i in range(n):
        if texts and rng.random() < 0.1:
            words = rng.choice(texts).split()
            for _ in range(rng.randint(1, 4)):
                words[rng.randrange(len(words))] = str(rng.randint(100, 9999))
        else:
            words = rng.choices(vocab, k=rng.randint(100, 600))
        text = " ".join(words)
        texts.append(text)
        sha = hashlib.sha256(f"{i}{text}".encode()).hexdigest()
        author = rng.choice(AUTHORS)
        meta = Metadata(
            author=author,
            last_modified_by=author,
            application="Microsoft Excel",
            app_version=rng.choice(["16.0300", "15.0300"]),
            created=dt.datetime(2017, 1, 1, tzinfo=dt.UTC) + dt.timedelta(hours=i),
            modified=dt.datetime(2017, 2, 1, tzinfo=dt.UTC) + dt.timedelta(hours=i),
        )
        mime = MIMES[i % len(MIMES)]
        items.append(
            (
                Document(f"dump/{i:06d}", sha, len(text)),
                Analysis(sha, len(text), mime, "ok", meta, [], text=text),
            )
        )
    return items


def _doc(path: str, text: str, mime: str, meta: Metadata, facts: dict) -> tuple:
    sha = hashlib.sha256(f"{path}{text}{sorted(facts.items())}".encode()).hexdigest()
    return Document(path, sha, len(text)), Analysis(
        sha, len(text), mime, "ok", meta, [], facts, text
    )


def build_threads(n: int, seed: int = 2) -> tuple[list[tuple[Document, Analysis]], dict[str, int]]:
    """(occurrences, expected counts): n emails (half of them replies quoting what they
    answer, a tenth forwards of an earlier message) and n // 2 numbered photos; 1 % of
    the answered emails altered afterwards, a few photos moved in time."""
    rng = random.Random(seed)
    vocab = [f"mot{i}" for i in range(5_000)] + [str(i) for i in range(1000)]
    items: list[tuple[Document, Analysis]] = []
    bodies: list[tuple[str, str]] = []  # (Message-ID, body as sent)
    forwarded: set[int] = set()
    start = dt.datetime(2016, 1, 1, tzinfo=dt.UTC)
    for i in range(n):
        mid = f"<{i}@campagne.example>"
        when = start + dt.timedelta(hours=i)
        relayed = when + dt.timedelta(seconds=rng.uniform(1, 120))
        facts: dict = {
            "message_id": mid,
            "has_dkim_signature": False,
            "subject": f"Sujet {i}",
            "from": "Alice <alice@campagne.example>",
            "date": when,
            "received": [{"by": f"relay{i % 3}.campagne.example", "date": relayed}],
        }
        own = "\n".join(" ".join(rng.choices(vocab, k=12)) for _ in range(rng.randint(2, 12)))
        roll = rng.random()
        if bodies and roll < 0.5:
            parent, quoted = rng.choice(bodies)
            facts["parent_message_id"] = parent
            text = (
                own
                + "\n\nOn Monday, Alice wrote:\n"
                + "\n".join("> " + line for line in quoted.splitlines())
            )
        elif bodies and roll < 0.6:
            j = rng.randrange(len(bodies))
            forwarded.add(j)
            sent = start + dt.timedelta(hours=j)
            text = (
                own
                + "\n\n---------- Forwarded message ---------\nFrom: Alice "
                + f"<alice@campagne.example>\nDate: {sent:%a, %b %d, %Y at %H:%M}\n"
                + f"Subject: Sujet {j}\n\n"
                + bodies[j][1]
            )
        else:
            text = own
        bodies.append((mid, text))
        items.append(_doc(f"mail/{i:06d}.eml", text, "message/rfc822", Metadata(), facts))
    answered = {a.facts.get("parent_message_id") for _d, a in items}
    expected = {"altered answered": 0, "altered forwarded": 0, "moved photos": 0, "redated": 0}
    for k in range(250, n, 500):  # move the Date of 1 in 500 back 9 days
        items[k][1].facts["date"] -= dt.timedelta(days=9)
        expected["redated"] += 1
    for k, (doc, analysis) in enumerate(items):  # change a word of 1 % of the answered ones
        if k % 100 == 7 and analysis.facts["message_id"] in answered:
            words = analysis.text.split(" ")
            words[5] = "9999"
            text = " ".join(words)
            items[k] = _doc(doc.path, text, analysis.mime, analysis.metadata, analysis.facts)
            expected["altered answered"] += 1
            expected["altered forwarded"] += k in forwarded
    photo_start = dt.datetime(2016, 1, 1)
    for i in range(n // 2):
        camera = i % 4
        counter = 1000 + i // 4
        taken = photo_start + dt.timedelta(hours=6 * (i // 4), minutes=camera)
        if i % 997 == 500:  # a few hundred numbers apart, on each camera in turn
            taken += dt.timedelta(days=270)
            expected["moved photos"] += 1
        meta = Metadata(make="Canon", model=f"Canon EOS {camera}D")
        facts = {"exif_datetime_original": taken}
        items.append(_doc(f"photos/{camera}/IMG_{counter:04d}.JPG", "", "image/jpeg", meta, facts))
    return items, expected


def time_collector(name: str, collector, items: list[tuple[Document, Analysis]], code: str) -> int:
    contents = distinct_contents(items)
    started = time.perf_counter()
    for content in contents:
        collector.add(content.sha256, content.analysis)
    found = collector.findings(MemoryResolver(contents))
    took = time.perf_counter() - started
    flagged = sum(
        1 for fs in found.values() if any(f.code == code and f.severity != "info" for f in fs)
    )
    print(f"{name:9s} {took:7.2f} s  ({flagged} documents flagged)")
    return flagged


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 5000
    items = build(n)
    for name, fn in (
        ("baseline", baseline_findings),
        ("neardup", neardup_findings),
        ("email", email_findings),
    ):
        started = time.perf_counter()
        result = fn(items)
        took = time.perf_counter() - started
        print(f"{name:9s} {took:7.2f} s  ({sum(map(len, result.values()))} findings)")
    started = time.perf_counter()
    dump_findings(items)
    print(f"{'total':9s} {time.perf_counter() - started:7.2f} s  for {n:,} documents")
    threads, expected = build_threads(n)
    print(f"\n{n:,} emails, {n // 2:,} photos; expected: {expected}")
    time_collector("quotes", QuoteCollector(), threads, "EMAIL_BODY_DIFFERS_FROM_QUOTE")
    time_collector("forwards", ForwardCollector(), threads, "EMAIL_BODY_DIFFERS_FROM_QUOTE")
    time_collector("numbering", NumberingCollector(), threads, "TS_OUT_OF_CAMERA_SEQUENCE")
    relays = _NoResolver(RelayCollector())
    time_collector("relays", relays, threads, "EMAIL_SEND_DELAY_UNLIKE_RELAY")
    mails, moved = build_attachments(n)
    print(f"\n{n:,} emails, each with an attachment; {moved} dated back past theirs")
    attachments = _NoResolver(AttachmentCollector())
    time_collector("attach", attachments, mails, "EMAIL_SENT_BEFORE_ATTACHMENT_SAVED")


XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def build_attachments(n: int, seed: int = 3) -> tuple[list[tuple[Document, Analysis]], int]:
    """n emails, each carrying one workbook saved minutes to hours before it was sent; 1 %
    of the emails had their Date moved back 9 days."""
    rng = random.Random(seed)
    items: list[tuple[Document, Analysis]] = []
    start = dt.datetime(2016, 1, 1, tzinfo=dt.UTC)
    moved = 0
    for i in range(n):
        saved = start + dt.timedelta(hours=3 * i)
        sent = saved + dt.timedelta(minutes=rng.randint(1, 600))
        if rng.random() < 0.01:
            sent -= dt.timedelta(days=9)
            moved += 1
        sha = hashlib.sha256(f"budget-{i}".encode()).hexdigest()
        attached = [{"filename": f"budget-{i}.xlsx", "content_type": "x", "sha256": sha}]
        items.append(
            _doc(
                f"mail/{i}.eml",
                "",
                "message/rfc822",
                Metadata(created=sent),
                {"attachments": attached},
            )
        )
        meta = Metadata(modified=saved)
        analysis = Analysis(sha, 100, XLSX_MIME, "ok", meta, [], {}, f"budget {i}")
        items.append((Document(f"mail/{i}.eml!/budget-{i}.xlsx", sha, 100), analysis))
    return items, moved


class _NoResolver:
    """A collector whose findings need nothing read back, with the others' signature."""

    def __init__(self, collector) -> None:
        self.collector = collector

    def add(self, sha256: str, analysis: Analysis) -> None:
        self.collector.add(sha256, analysis)

    def findings(self, _resolver: object) -> dict:
        return self.collector.findings()


if __name__ == "__main__":
    main()
