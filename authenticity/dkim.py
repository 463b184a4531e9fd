"""Offline DKIM (and ARC) verification of one RFC 822 message with dkimpy.

Public keys come from a :class:`KeyArchive` (DNS TXT records saved by name, see
``docs/dkim.md``) and, only when asked (``dns=True``), from live DNS. Old keys are
usually rotated out of DNS, so an archive of the keys that were published when the mail
was sent is what makes a leaked message verifiable years later.

Each signature gets one result:

- ``pass``: the signature verifies with the key;
- ``body_hash_mismatch``: the body no longer hashes to the signed ``bh=`` value, i.e. the
  body was altered after signing (``header_signature_valid`` then tells whether the signed
  headers, which include ``bh=``, are still intact);
- ``signature_mismatch``: the body hash matches but the signature over the signed header
  fields does not verify, i.e. a signed header (Subject, From, Date...) was altered;
- ``key_unavailable``: no key for ``selector._domainkey.domain`` (or the key is revoked);
  the body hash is still checked, since it needs no key (``body_hash_valid``); a body that
  no longer matches it gives ``body_hash_mismatch`` with ``checked_without_key``;
- ``error``: malformed signature or key, unsupported algorithm, key too small, etc.

Nothing here raises on hostile input; every problem becomes a result with a ``detail``.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import logging
import re
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import dkim
from dkim.canonicalization import CanonicalizationPolicy
from dkim.util import parse_tag_value

log = logging.getLogger(__name__)

#: At most this many DKIM-Signature fields of one message are checked.
MAX_SIGNATURES = 10
#: Messages larger than this are not verified (reported as an error).
MAX_MESSAGE_BYTES = 64 * 1024 * 1024
#: dkimpy's minimum RSA key size (RFC 8301); smaller keys give result "error".
MIN_KEY_BITS = 1024

_QUIET = logging.getLogger("authenticity.dkim.dkimpy")
_QUIET.addHandler(logging.NullHandler())
_QUIET.propagate = False

_TXT_TOKENS = {"in", "txt"}
_QUOTED = re.compile(r'"((?:[^"\\]|\\.)*)"')


def _norm(name: str | bytes) -> str:
    if isinstance(name, bytes):
        name = name.decode("utf-8", "replace")
    return name.strip().rstrip(".").lower()


def _txt_value(rest: str) -> str:
    """The TXT value of a record line: quoted strings joined, or the rest of the line."""
    tokens = rest.split(None, 1)
    # Skip an optional TTL, class and type ("300 IN TXT"), as a zone file writes them.
    while tokens and (tokens[0].lower() in _TXT_TOKENS or tokens[0].isdigit()):
        rest = tokens[1] if len(tokens) > 1 else ""
        tokens = rest.split(None, 1)
    rest = rest.strip()
    if rest.startswith("(") and rest.endswith(")"):
        rest = rest[1:-1].strip()
    if rest.startswith('"'):
        return "".join(m.group(1).replace('\\"', '"') for m in _QUOTED.finditer(rest))
    return rest


class KeyArchive:
    """DNS TXT records by name (``selector._domainkey.domain``), for offline verification."""

    def __init__(self, records: dict[str, str | bytes] | None = None) -> None:
        self._records: dict[str, bytes] = {}
        for name, value in (records or {}).items():
            self.add(name, value)

    def add(self, name: str | bytes, value: str | bytes | list[str]) -> None:
        if isinstance(value, list):  # JSON: a record split into character-strings
            value = "".join(str(v) for v in value)
        if isinstance(value, str):
            value = value.encode("utf-8")
        self._records[_norm(name)] = value.strip()

    def lookup(self, name: str | bytes) -> bytes | None:
        return self._records.get(_norm(name))

    def __len__(self) -> int:
        return len(self._records)

    def __contains__(self, name: object) -> bool:
        return isinstance(name, (str, bytes)) and _norm(name) in self._records

    @classmethod
    def from_text(cls, text: str) -> KeyArchive:
        """Parse a JSON object ``{name: txt}`` or lines ``name [TTL] [IN] [TXT] value``."""
        stripped = text.strip()
        archive = cls()
        if stripped.startswith("{"):
            data = json.loads(stripped)
            if not isinstance(data, dict):
                raise ValueError("a JSON key archive must be an object {name: txt}")
            for name, value in data.items():
                archive.add(name, value)
            return archive
        # Zone-file style records may continue over lines inside ( ... ).
        pending = ""
        for raw in text.splitlines():
            line = raw.strip()
            if not pending and (not line or line.startswith(("#", ";"))):
                continue
            pending = f"{pending} {line}".strip() if pending else line
            if pending.count("(") > pending.count(")"):
                continue
            parts = pending.split(None, 1)
            pending = ""
            if len(parts) == 2:
                archive.add(parts[0], _txt_value(parts[1]))
        return archive

    @classmethod
    def from_file(cls, path: str | Path) -> KeyArchive:
        return cls.from_text(Path(path).read_text(encoding="utf-8", errors="replace"))


_ARCHIVES: dict[str, KeyArchive] = {}
_ARCHIVES_LOCK = threading.Lock()


def load_archive(path: str | Path) -> KeyArchive:
    """The key archive at ``path``, parsed once per process."""
    key = str(Path(path).resolve())
    with _ARCHIVES_LOCK:
        if key not in _ARCHIVES:
            _ARCHIVES[key] = KeyArchive.from_file(key)
        return _ARCHIVES[key]


# --------------------------------------------------------------------------- verification


def _dnsfunc(keys: KeyArchive | None, dns: bool) -> Callable[..., bytes | None]:
    def lookup(name: bytes | str, timeout: int = 5) -> bytes | None:
        if keys is not None:
            found = keys.lookup(name)
            if found is not None:
                return found
        if not dns:
            return None
        from dkim.dnsplug import get_txt

        if isinstance(name, bytes):
            name = name.decode("ascii", "replace")
        return get_txt(name, timeout=timeout)

    return lookup


def _text(value: bytes | None) -> str | None:
    return value.decode("utf-8", "replace") if isinstance(value, bytes) else None


def _strip_envelope(data: bytes) -> bytes:
    if data.startswith(b"From ") and b"\n" in data[:1000]:
        return data.partition(b"\n")[2]
    return data


_TAG = re.compile(rb"(?:^|;)\s*([a-z]+)\s*=\s*([^;]*)", re.IGNORECASE)


def _loose_tags(value: bytes) -> dict[str, str]:
    """Best-effort tags of a signature dkimpy refused to parse (for the report only)."""
    out: dict[str, str] = {}
    for m in _TAG.finditer(re.sub(rb"\s+", b"", value)):
        out.setdefault(m.group(1).decode("ascii", "replace").lower(), _text(m.group(2)) or "")
    return out


def _verify_one(
    d: dkim.DKIM, sigheader: tuple[bytes, bytes], dnsfunc: Callable[..., bytes | None]
) -> dict[str, Any]:
    loose = _loose_tags(sigheader[1])
    result: dict[str, Any] = {
        "domain": loose.get("d"),
        "selector": loose.get("s"),
        "algorithm": loose.get("a"),
        "result": "error",
        "detail": "",
    }
    try:
        sig = parse_tag_value(sigheader[1])
    except Exception as exc:
        result["detail"] = f"unparsable DKIM-Signature: {exc}"
        return result
    result.update(
        domain=_text(sig.get(b"d")),
        selector=_text(sig.get(b"s")),
        algorithm=_text(sig.get(b"a")),
        canonicalization=_text(sig.get(b"c")) or "simple/simple",
        signed_headers=[
            h.strip().lower() for h in (_text(sig.get(b"h")) or "").split(":") if h.strip()
        ],
    )
    for tag, key in ((b"t", "timestamp"), (b"x", "expires"), (b"l", "body_length")):
        value = sig.get(tag, b"")
        if value.isdigit() and len(value) < 20:
            result[key] = int(value)
    # An expiry (x=) in the past does not make an old signature cryptographically wrong:
    # every field but x= is validated; the expiry is reported, not enforced.
    try:
        dkim.validate_signature_fields({k: v for k, v in sig.items() if k != b"x"})
    except Exception as exc:
        result["detail"] = f"invalid DKIM-Signature: {exc}"
        return result
    if "expires" in result:
        result["expired"] = result["expires"] < time.time()

    name = sig[b"s"] + b"._domainkey." + sig[b"d"] + b"."
    result["key_name"] = _text(name.rstrip(b"."))
    try:
        txt = dnsfunc(name)
    except Exception as exc:  # DNS timeouts, resolver errors
        return _without_key(result, d.body, sig, f"key lookup failed: {exc}")
    if not txt:
        return _without_key(result, d.body, sig, f"no key for {result['key_name']}")
    try:
        tags = parse_tag_value(txt)
    except Exception:
        tags = {}
    if tags.get(b"p") == b"":
        return _without_key(result, d.body, sig, "the key is revoked (empty p=)")
    try:
        dkim.evaluate_pk(name, txt)
    except Exception as exc:
        result["detail"] = f"unusable key record: {exc}"
        return result

    include = [x.lower() for x in re.split(rb"\s*:\s*", sig[b"h"])]
    fixed = _StaticDns(txt)
    try:
        ok = d.verify_sig(sig, list(include), sigheader, fixed)
    except dkim.ValidationError as exc:
        if "body hash mismatch" not in str(exc):
            result["detail"] = f"verification failed: {exc}"
            return result
        result.update(result="body_hash_mismatch", detail=str(exc))
        # The signed header block contains bh=: checking it without the body tells whether
        # the headers are still as signed (body altered) or were altered too.
        try:
            headers_ok = d.verify_sig(
                {k: v for k, v in sig.items() if k != b"bh"}, list(include), sigheader, fixed
            )
        except Exception:
            headers_ok = False
        result["header_signature_valid"] = bool(headers_ok)
        return result
    except Exception as exc:  # key too small, digest too large, unknown key type...
        result["detail"] = f"verification failed: {type(exc).__name__}: {exc}"
        return result
    if ok:
        result.update(result="pass", detail="signature verifies", key_bits=d.keysize)
        if "body_length" in result:
            result.update(_unsigned_tail(d.body, sig.get(b"c"), result["body_length"]))
    else:
        result.update(
            result="signature_mismatch",
            detail="the body hash matches but the signature over the signed header fields "
            "does not verify: a signed header was altered (or the key does not match)",
            key_bits=d.keysize,
        )
    return result


#: Body hash algorithms of the ``a=`` values dkimpy verifies.
_BODY_HASHES = {
    b"rsa-sha256": hashlib.sha256,
    b"rsa-sha1": hashlib.sha1,
    b"ed25519-sha256": hashlib.sha256,
}


def body_hash_matches(body: bytes, sig: dict[bytes, bytes]) -> bool | None:
    """Whether ``body`` still hashes to the signature's ``bh=`` (RFC 6376 3.7: the body
    canonicalized per ``c=``, cut to ``l=`` bytes, hashed per ``a=``). Needs no key; None
    when it cannot be computed (unknown algorithm or canonicalization, malformed tags)."""
    algorithm = _BODY_HASHES.get(sig.get(b"a", b"").strip().lower())
    declared = sig.get(b"bh")
    if algorithm is None or not declared:
        return None
    try:
        canon = CanonicalizationPolicy.from_c_value(sig.get(b"c")).canonicalize_body(body)
        expected = base64.b64decode(re.sub(rb"\s+", b"", declared), validate=True)
    except Exception:
        return None
    length = sig.get(b"l")
    if length is not None:
        if not length.strip().isdigit():
            return None
        canon = canon[: int(length.strip())]
    return hmac.compare_digest(algorithm(canon).digest(), expected)


def _without_key(
    result: dict[str, Any], body: bytes, sig: dict[bytes, bytes], detail: str
) -> dict[str, Any]:
    """``key_unavailable``, unless the body hash (which needs no key) no longer matches."""
    matches = body_hash_matches(body, sig)
    result.update(result="key_unavailable", detail=detail)
    if matches is not None:
        result["body_hash_valid"] = matches
    if matches and "body_length" in result:
        # the signed length still hashes right; what follows it is covered by nothing
        result.update(_unsigned_tail(body, sig.get(b"c"), result["body_length"]))
    if matches is False:
        result.update(
            result="body_hash_mismatch",
            checked_without_key=True,
            detail=f"the body does not hash to bh= (checked without the key: {detail})",
        )
    return result


#: Characters of an unsigned body tail kept as evidence.
MAX_TAIL_CHARS = 500


def _unsigned_tail(body: bytes, c_value: bytes | None, length: int) -> dict[str, Any]:
    """What follows the ``l=`` signed prefix of the canonicalized body (a signature with a
    body length still verifies after text is appended to the message)."""
    try:
        canon = CanonicalizationPolicy.from_c_value(c_value).canonicalize_body(body)
    except Exception:  # an unknown c= value fails verification before this point
        return {}
    tail = canon[length:]
    return {
        "unsigned_body_bytes": len(tail),
        "unsigned_body_text": tail.decode("utf-8", "replace").strip()[:MAX_TAIL_CHARS],
    }


class _StaticDns:
    """dnsfunc returning one already-fetched record (avoids a second lookup)."""

    def __init__(self, txt: bytes) -> None:
        self.txt = txt

    def __call__(self, name: bytes | str, timeout: int = 5) -> bytes:
        return self.txt


def _verify_arc(message: bytes, dnsfunc: Callable[..., bytes | None]) -> dict[str, Any]:
    try:
        cv, results, reason = dkim.ARC(message, logger=_QUIET, minkey=MIN_KEY_BITS).verify(
            dnsfunc=dnsfunc
        )
    except Exception as exc:
        return {"result": "error", "detail": f"{type(exc).__name__}: {exc}", "instances": 0}
    cv_text = _text(cv) if isinstance(cv, bytes) else (str(cv) if cv is not None else None)
    return {
        "result": cv_text or "fail",
        "detail": str(reason),
        "instances": len(results or []),
        "sets": [
            {
                "instance": r.get("instance"),
                "ams_domain": _text(r.get("ams-domain")),
                "ams_valid": bool(r.get("ams-valid")),
                "as_domain": _text(r.get("as-domain")),
                "as_valid": bool(r.get("as-valid")),
                "cv": _text(r.get("cv")),
            }
            for r in results or []
            if isinstance(r, dict)
        ],
    }


def _has_unsigned_text(sig: dict[str, Any]) -> bool:
    return bool(sig.get("unsigned_body_bytes")) and bool(sig.get("unsigned_body_text"))


def body_signed(facts: dict[str, Any], *, need_key: bool = False) -> bool:
    """Whether a DKIM signature vouches for the message's whole body as it is now (read
    from an email's facts, ``facts["dkim"]`` as :func:`verify_message` wrote it): one that
    verifies with the signer's key, or, unless ``need_key``, whose body hash (bh=, which
    needs no key) still matches when the key is not at hand; either way with no text
    appended after the signed length (l=). Without the key, a forger could have written
    the bh= value too: checks that must not trust the sender's claim pass ``need_key``."""
    dkim_facts = facts.get("dkim") if isinstance(facts, dict) else None
    sigs = dkim_facts.get("signatures") if isinstance(dkim_facts, dict) else None
    return any(
        isinstance(s, dict)
        and not _has_unsigned_text(s)
        and (s.get("result") == "pass" or (not need_key and s.get("body_hash_valid") is True))
        for s in sigs or ()
    )


def verify_message(data: bytes, keys: KeyArchive | None, dns: bool = False) -> dict[str, Any]:
    """Verify every DKIM signature (and the ARC chain) of one message; never raises.

    No network access unless ``dns`` is true (then keys missing from ``keys`` are looked up
    with dkimpy's resolver).
    """
    out: dict[str, Any] = {
        "signed": False,
        "verified": False,
        "signatures": [],
        "arc": None,
        "key_source": ("archive+dns" if dns else "archive")
        if keys is not None
        else ("dns" if dns else "none"),
    }
    try:
        message = _strip_envelope(bytes(data))
        if len(message) > MAX_MESSAGE_BYTES:
            out["error"] = f"message larger than {MAX_MESSAGE_BYTES} bytes, not verified"
            return out
        d = dkim.DKIM(message, logger=_QUIET, minkey=MIN_KEY_BITS)
    except Exception as exc:
        out["error"] = f"unparsable message: {type(exc).__name__}: {exc}"
        return out
    dnsfunc = _dnsfunc(keys, dns)
    sigheaders = [(x, y) for x, y in d.headers if x.lower() == b"dkim-signature"]
    out["signed"] = bool(sigheaders)
    if len(sigheaders) > MAX_SIGNATURES:
        out["skipped_signatures"] = len(sigheaders) - MAX_SIGNATURES
    for sigheader in sigheaders[:MAX_SIGNATURES]:
        try:
            result = _verify_one(d, sigheader, dnsfunc)
        except Exception as exc:  # a dkimpy bug on hostile input
            result = {**_loose_placeholder(sigheader[1]), "detail": f"{type(exc).__name__}: {exc}"}
        out["signatures"].append(result)
    # Verified means the whole message as it is now: a signature that covers only the first
    # l= bytes of a body that has more after them does not vouch for the rest.
    out["verified"] = any(
        s.get("result") == "pass" and not _has_unsigned_text(s) for s in out["signatures"]
    )
    if any(x.lower() == b"arc-seal" for x, _ in d.headers):
        out["arc"] = _verify_arc(message, dnsfunc)
    return out


def _loose_placeholder(value: bytes) -> dict[str, Any]:
    tags = _loose_tags(value)
    return {
        "domain": tags.get("d"),
        "selector": tags.get("s"),
        "algorithm": tags.get("a"),
        "result": "error",
    }
