"""Send delay against the relay's other mail (dumpwide/relays.py), on messages built with
Python's email package the way an organisation's outgoing server relays them, and on a
real corpus message's relay chain."""

from __future__ import annotations

import datetime as dt
import random
from email.message import EmailMessage
from email.utils import format_datetime

from authenticity.dumpwide.relays import MIN_RELAY_EMAILS
from tests.conftest import corpus_file
from tests.factories import dump_findings_of

CODE = "EMAIL_SEND_DELAY_UNLIKE_RELAY"
PARIS = dt.timezone(dt.timedelta(hours=2))
START = dt.datetime(2017, 4, 3, 9, 0, tzinfo=PARIS)


def _mail(
    i: int, sent: dt.datetime, dated: dt.datetime, relay: str = "relay1.campagne.example"
) -> bytes:
    """A message whose client wrote ``dated`` and whose outgoing relay stamped ``sent``."""
    msg = EmailMessage()
    msg["Received"] = (
        f"from [10.0.3.{i % 200}] (unknown [10.0.3.{i % 200}]) by {relay} (Postfix) "
        f"with ESMTPSA id {0xA1B2C3 + i:X}; {format_datetime(sent)}"
    )
    msg["From"] = f"Agent {i % 7} <agent{i % 7}@campagne.example>"
    msg["To"] = "equipe@campagne.example"
    msg["Subject"] = f"Point {i}"
    msg["Date"] = format_datetime(dated)
    msg["Message-ID"] = f"<{i:08X}.{i * 7:X}@campagne.example>"
    msg["X-Mailer"] = "Microsoft Outlook 16.0"
    msg.set_content(f"Bonjour,\n\nPoint numero {i} de la semaine.\n")
    return bytes(msg)


def _relay_dump(count: int, seed: int = 0, spread: float = 90.0) -> dict[str, bytes]:
    """``count`` messages over four weeks, each stamped by the relay within ``spread``
    seconds of its Date."""
    rng = random.Random(seed)
    files = {}
    for i in range(count):
        dated = START + dt.timedelta(hours=rng.randint(0, 24 * 28), seconds=rng.randint(0, 3599))
        sent = dated + dt.timedelta(seconds=rng.uniform(1, spread))
        files[f"mail/{i:04d}.eml"] = _mail(i, sent, dated)
    return files


def test_a_back_dated_message_stands_out_against_its_relays_habit():
    files = _relay_dump(30)
    sent = START + dt.timedelta(days=20, hours=3)
    files["mail/forged.eml"] = _mail(999, sent, sent - dt.timedelta(days=9))
    files["mail/late.eml"] = _mail(998, sent, sent - dt.timedelta(hours=30))  # an outbox
    found = dump_findings_of(files, CODE)
    assert [f.severity.value for f in found["mail/forged.eml"]] == ["high"]
    evidence = found["mail/forged.eml"][0].evidence
    assert evidence["moved"] == "back" and evidence["relay_emails"] == 32
    assert evidence["relay"] == "relay1.campagne.example"
    assert not found["mail/late.eml"]
    assert not any(found[p] for p in files if p not in ("mail/forged.eml",))


def test_a_forward_dated_message_too():
    files = _relay_dump(25, seed=1)
    sent = START + dt.timedelta(days=10)
    files["mail/forged.eml"] = _mail(999, sent, sent + dt.timedelta(days=2))
    found = dump_findings_of(files, CODE)
    assert found["mail/forged.eml"][0].evidence["moved"] == "forward"


def test_no_habit_no_finding():
    """Too few messages through the relay, or a relay whose mail waits for hours anyway
    (a queueing gateway): a 9-day delay is not read against it."""
    for files in (
        _relay_dump(MIN_RELAY_EMAILS - 3, seed=2),
        _relay_dump(30, seed=3, spread=4 * 86400.0),
    ):
        sent = START + dt.timedelta(days=20)
        files["mail/forged.eml"] = _mail(999, sent, sent - dt.timedelta(days=9))
        assert not dump_findings_of(files, CODE)["mail/forged.eml"]


def test_a_real_message_is_read_by_its_first_relay():
    """SpamScope mail_test_10's oldest dated hop names its relay; among copies of the
    message re-dated by minutes (its relay's habit), the one re-dated by 9 days stands out.
    The other relays of the chain do not count: only the first stamps the Date's send."""
    import hashlib
    import re
    from email.utils import parsedate_to_datetime

    from authenticity.analyse import analyse_document
    from authenticity.config import Settings
    from authenticity.dumpwide.relays import _relay_and_delay
    from authenticity.model import Document

    data = corpus_file("email/SpamScope__tests_mails_mail_test_10")
    doc = Document("mail_test_10.eml", hashlib.sha256(data).hexdigest(), len(data), data=data)
    found = _relay_and_delay(analyse_document(doc, Settings(workers=0)))
    assert found is not None and found[0] and abs(found[1]) < 3600
    date = re.search(rb"^Date: ([^\r\n]+)", data, re.M)
    assert date is not None
    original = parsedate_to_datetime(date.group(1).decode())

    def redated(when: dt.datetime, tag: int) -> bytes:
        out = data[: date.start(1)] + format_datetime(when).encode() + data[date.end(1) :]
        return out.replace(b"Message-ID: <", f"Message-ID: <copy{tag}.".encode(), 1)

    files = {f"m{k}.eml": redated(original - dt.timedelta(minutes=k), k) for k in range(24)}
    files["forged.eml"] = redated(original - dt.timedelta(days=9), 99)
    found_all = dump_findings_of(files, CODE)
    assert [f.code for f in found_all["forged.eml"]] == [CODE]
    assert not any(found_all[p] for p in files if p != "forged.eml")
