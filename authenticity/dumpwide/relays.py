"""Dump-level email evidence: a message's send delay against the rest of its relay's mail.

A message's Date is written by the sender's client when it is sent, and the first relay
(the oldest ``Received`` header: the sender's outgoing server, usually the organisation's
own) stamps it a few seconds later. One message's Date days away from that stamp has
innocent readings (an outbox that waited over a holiday, a client clock set wrong), which
is why the per-message ``EMAIL_DATE_VS_RECEIVED`` stays medium up to 30 days. The dump
tells which reading fits: when nearly all the other messages that relay took in the dump
were stamped within an hour of their Date, a message it stamped days later (or earlier)
had its Date changed after it was sent.

``EMAIL_SEND_DELAY_UNLIKE_RELAY`` (high): an email whose first relay (``by`` host of its
oldest dated hop) took at least :data:`MIN_RELAY_EMAILS` distinct emails in the dump, at
least :data:`TYPICAL_SHARE` of them within :data:`TYPICAL_DELAY` of their Date, while this
one's Date is more than :data:`DATE_BEFORE` before the relay's stamp (back-dated) or more
than :data:`DATE_AFTER` after it (forward-dated). Counted once per distinct content.

What it cannot see: a dump with few messages per relay (external senders, each through
their own server), a relay whose mail is not prompt (a gateway that queues, a list
server), and a forger who moved the Received stamps with the Date (the quote, copy and
thread passes may still see that one).
"""

from __future__ import annotations

from array import array
from typing import Any

from authenticity.dumpwide._common import EMAIL_MIMES
from authenticity.dumpwide.email import relay_host
from authenticity.heuristics.email import dated_hops
from authenticity.model import Analysis, Finding, Severity
from authenticity.timeutil import as_utc, stored_datetime

#: Distinct emails a relay must have taken in the dump for its habit to count.
MIN_RELAY_EMAILS = 20
#: Share of them stamped within TYPICAL_DELAY of their Date.
TYPICAL_SHARE = 0.9
TYPICAL_DELAY = 3600.0  # seconds
#: A Date this long before the relay's stamp (an outbox does not wait that long where the
#: relay's other mail waited minutes) or after it (no message is written after it is sent).
DATE_BEFORE = 3 * 86400.0  # seconds
DATE_AFTER = 86400.0  # seconds


def _relay_and_delay(analysis: Analysis) -> tuple[str, float] | None:
    """(first relay's host, its stamp minus the Date in seconds) of an email, if it has a
    Date and a dated Received hop naming its relay."""
    if analysis.mime not in EMAIL_MIMES:
        return None
    date = stored_datetime(analysis.facts.get("date"))
    dated = dated_hops(analysis.facts)
    if date is None or not dated:
        return None
    _pos, hop, when = dated[0]  # the oldest dated hop: the first relay
    host = (relay_host(hop) or "").strip("[]()")
    if not host:
        return None
    return host, (as_utc(when) - as_utc(date)).total_seconds()


class RelayCollector:
    """Per relay host, the distinct emails it stamped and each one's delay."""

    def __init__(self) -> None:
        self._hosts: dict[str, int] = {}
        self._host = array("I")
        self._delay = array("d")
        self._sha: list[str] = []

    def add(self, sha256: str, analysis: Analysis) -> None:
        found = _relay_and_delay(analysis)
        if found is None:
            return
        host, delay = found
        self._host.append(self._hosts.setdefault(host, len(self._hosts)))
        self._delay.append(delay)
        self._sha.append(sha256)

    def findings(self) -> dict[str, list[Finding]]:
        """sha256 -> EMAIL_SEND_DELAY_UNLIKE_RELAY."""
        members: dict[int, list[int]] = {}
        for i, host in enumerate(self._host):
            members.setdefault(host, []).append(i)
        names = {index: host for host, index in self._hosts.items()}
        out: dict[str, list[Finding]] = {}
        for host, rows in members.items():
            if len(rows) < MIN_RELAY_EMAILS:
                continue
            prompt = sum(1 for i in rows if abs(self._delay[i]) <= TYPICAL_DELAY)
            if prompt < TYPICAL_SHARE * len(rows):
                continue
            for i in rows:
                delay = self._delay[i]
                if delay > DATE_BEFORE or -delay > DATE_AFTER:
                    out.setdefault(self._sha[i], []).append(
                        _finding(names[host], delay, prompt, len(rows))
                    )
        return out


def _days(seconds: float) -> str:
    return f"{abs(seconds) / 86400:.1f} days"


def _finding(host: str, delay: float, prompt: int, total: int) -> Finding:
    back = delay > 0
    when = f"its Date is {_days(delay)} {'before' if back else 'after'} {host} received it"
    evidence: dict[str, Any] = {
        "relay": host,
        "delay_seconds": delay,
        "relay_emails": total,
        "relay_prompt_emails": prompt,
        "prompt_within_seconds": TYPICAL_DELAY,
        "moved": "back" if back else "forward",
    }
    return Finding(
        "EMAIL_SEND_DELAY_UNLIKE_RELAY",
        Severity.HIGH,
        f"This email's first relay {host} took {total} emails in this dump and stamped "
        f"{prompt} of them within an hour of their Date, but {when}: the Date was moved "
        f"{'back' if back else 'forward'} after the message was sent (a client clock set "
        "wrong, or an outbox that waited that long, would be the innocent readings).",
        evidence,
    )
