"""DKIM verification on real signed bytes: keys made here, messages signed with dkimpy."""

from __future__ import annotations

import base64
import hashlib
import json
from email.message import EmailMessage
from email.policy import SMTP
from pathlib import Path

import dkim
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from authenticity.analyse import analyse_document
from authenticity.config import Settings
from authenticity.dkim import KeyArchive, body_signed, load_archive, verify_message
from authenticity.model import Document, Severity
from authenticity.pipeline import run_scan

EMAIL_CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpus" / "email"
HEADERS = [b"from", b"to", b"subject", b"date", b"message-id"]

#: Public keys of the dkimpy test data, by the names dkimpy's own tests serve them under
#: (tests/test_dkim.py and test_dkim_ed25519.py of dkimpy; RFC 8463 Appendix A.2).
RFC8463_RSA = (
    "v=DKIM1; k=rsa; p=MIGfMA0GCSqGSIb3DQEBAQUAA4GNADCBiQKBgQDkHlOQoBTzWRiGs5V6NpP3idY6Wk08a5qh"
    "dR6wy5bdOKb2jLQiY/J16JYi0Qvx/byYzCNb3W91y3FutACDfzwQ/BC/e/8uBsCR+yz1Lxj+PL6lHvqMKrM3rG4h"
    "stT5QjvHO9PzoxZyVYLzBfO2EeC3Ip3G+2kryOTIKT+l/K4w3QIDAQAB"
)
RFC8463_ED25519 = "v=DKIM1; k=ed25519; p=11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo="
GMAIL_20120113 = (
    "k=rsa; p=MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEA1Kd87/UeJjenpabgbFwh+eBCsSTrqmwIYYvy"
    "wlbhbqoo2DymndFkbjOVIPIldNs/m40KF+yzMn1skyoxcTUGCQs8g3FgD2Ap3ZB5DekAo5wMmk4wimDO+U8QzI3S"
    "D07y2+07wlNWwIt8svnxgdxGkVbbhzY8i+RQ9DpSVpPbF7ykQxtKXkv/ahW3KjViiAH+ghvvIhkx4xYSIc9oSwVm"
    "Al5OctMEeWUwg8Istjqz8BZeTWbf41fbNhte7Y+YqZOwq1Sd0DbvYAD9NOZK9vlfuac0598HY+vtSBczUiKERHv1"
    "yRbcaQtZFh5wtiRrN04BLUTD21MycBX5jYchHjPY/wIDAQAB"
)


@pytest.fixture(scope="module")
def rsa_key() -> tuple[bytes, str]:
    """(PKCS#1 PEM private key, DKIM TXT record) of a fresh 2048-bit key."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.TraditionalOpenSSL,
        serialization.NoEncryption(),
    )
    der = key.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return pem, "v=DKIM1; k=rsa; p=" + base64.b64encode(der).decode()


def make_message(subject: str = "Budget for May", body: str = "Please find the figures.\n"):
    msg = EmailMessage()
    msg["From"] = "Alice <alice@example.org>"
    msg["To"] = "bob@example.net"
    msg["Subject"] = subject
    msg["Date"] = "Tue, 02 May 2017 10:15:00 +0200"
    msg["Message-ID"] = "<20170502101500.1234@example.org>"
    msg.set_content(body)
    return msg.as_bytes(policy=SMTP)


def sign(message: bytes, pem: bytes, selector: bytes = b"may2017", **kw) -> bytes:
    header = dkim.sign(message, selector, b"example.org", pem, include_headers=HEADERS, **kw)
    return header + message


@pytest.fixture()
def archive(tmp_path, rsa_key) -> Path:
    path = tmp_path / "keys.txt"
    path.write_text(f"# archived keys\nmay2017._domainkey.example.org {rsa_key[1]}\n")
    return path


def doc_of(data: bytes, path: str = "mail.eml") -> Document:
    return Document(path=path, sha256=hashlib.sha256(data).hexdigest(), size=len(data), data=data)


def tamper_body(signed: bytes) -> bytes:
    assert b"figures." in signed
    return signed.replace(b"figures.", b"figures!", 1)


def tamper_subject(signed: bytes) -> bytes:
    return signed.replace(b"Subject: Budget for May", b"Subject: Budget for Jun", 1)


# --------------------------------------------------------------------------- key archive


def test_archive_formats(tmp_path, rsa_key):
    txt = rsa_key[1]
    zone = tmp_path / "zone.txt"
    half = len(txt) // 2
    zone.write_text(
        "; zone-file style\n"
        f'may2017._domainkey.example.org. 3600 IN TXT ( "{txt[:half]}"\n  "{txt[half:]}" )\n'
        f"other._domainkey.example.org TXT {txt}\n"
        f"plain._domainkey.example.org {txt}\n"
    )
    js = tmp_path / "keys.json"
    js.write_text(json.dumps({"May2017._DomainKey.Example.org.": [txt[:half], txt[half:]]}))
    for archive in (KeyArchive.from_file(zone), KeyArchive.from_file(js)):
        assert archive.lookup(b"may2017._domainkey.example.org.") == txt.encode()
        assert archive.lookup("MAY2017._domainkey.example.org") == txt.encode()
        assert archive.lookup("missing._domainkey.example.org") is None
    zone_archive = KeyArchive.from_file(zone)
    assert len(zone_archive) == 3
    assert zone_archive.lookup("other._domainkey.example.org") == txt.encode()


# --------------------------------------------------------------------------- verification


def test_signed_message_verifies_offline(archive, rsa_key):
    signed = sign(make_message(), rsa_key[0])
    result = verify_message(signed, KeyArchive.from_file(archive))
    assert result["signed"] and result["verified"]
    (sig,) = result["signatures"]
    assert sig["result"] == "pass"
    assert (sig["domain"], sig["selector"], sig["algorithm"]) == (
        "example.org",
        "may2017",
        "rsa-sha256",
    )
    assert sig["key_bits"] == 2048
    assert set(sig["signed_headers"]) == {h.decode() for h in HEADERS}
    # LF line endings (as dumps often store mail) verify too.
    assert verify_message(signed.replace(b"\r\n", b"\n"), KeyArchive.from_file(archive))["verified"]


def test_body_edit_and_header_edit_are_told_apart(archive, rsa_key):
    keys = KeyArchive.from_file(archive)
    signed = sign(make_message(), rsa_key[0])

    body = verify_message(tamper_body(signed), keys)
    assert not body["verified"]
    assert body["signatures"][0]["result"] == "body_hash_mismatch"
    assert body["signatures"][0]["header_signature_valid"] is True

    header = verify_message(tamper_subject(signed), keys)
    assert not header["verified"]
    assert header["signatures"][0]["result"] == "signature_mismatch"

    both = verify_message(tamper_subject(tamper_body(signed)), keys)
    assert both["signatures"][0]["result"] == "body_hash_mismatch"
    assert both["signatures"][0]["header_signature_valid"] is False


def test_findings_for_each_outcome(archive, rsa_key):
    settings = Settings(workers=0, strict=True, dkim_keys=str(archive))
    signed = sign(make_message(), rsa_key[0])

    ok = analyse_document(doc_of(signed), settings)
    assert ok.facts["dkim"]["verified"] is True
    (verified,) = [f for f in ok.findings if f.code == "EMAIL_DKIM_VERIFIED"]
    assert verified.severity == Severity.INFO
    assert verified.evidence["domain"] == "example.org"
    assert verified.evidence["selector"] == "may2017"

    body = analyse_document(doc_of(tamper_body(signed)), settings)
    (f,) = [f for f in body.findings if f.code.startswith("EMAIL_DKIM")]
    assert (f.code, f.severity) == ("EMAIL_DKIM_BODY_HASH_MISMATCH", Severity.CRITICAL)
    assert "example.org" in f.message and f.evidence["selector"] == "may2017"

    header = analyse_document(doc_of(tamper_subject(signed)), settings)
    (f,) = [f for f in header.findings if f.code.startswith("EMAIL_DKIM")]
    assert (f.code, f.severity) == ("EMAIL_DKIM_SIGNATURE_INVALID", Severity.HIGH)
    assert "subject" in f.evidence["signed_headers"]

    no_keys = analyse_document(doc_of(signed), Settings(workers=0, strict=True))
    (f,) = [f for f in no_keys.findings if f.code.startswith("EMAIL_DKIM")]
    assert (f.code, f.severity) == ("EMAIL_DKIM_KEY_UNAVAILABLE", Severity.INFO)
    assert no_keys.facts["dkim"]["signatures"][0]["result"] == "key_unavailable"


def test_text_appended_after_a_body_length_signature(tmp_path, archive, rsa_key):
    # dkimpy's length=True signs with l= (the body length): text appended to the body later
    # leaves the signature valid. The tail is reported and the message is not "verified".
    settings = Settings(workers=0, strict=True, dkim_keys=str(archive))
    signed = sign(make_message(), rsa_key[0], length=True)
    assert b" l=" in signed or b";l=" in signed.replace(b" ", b"")
    clean = analyse_document(doc_of(signed), settings)
    assert clean.facts["dkim"]["verified"] is True
    assert clean.facts["dkim"]["signatures"][0]["unsigned_body_bytes"] == 0
    assert not [f for f in clean.findings if f.code == "EMAIL_DKIM_UNSIGNED_APPENDED_TEXT"]

    added = "P.S. Transfer the 250,000 EUR to account FR76 3000 6000 0112 3456 7890 189 today."
    forged = signed.rstrip(b"\r\n") + b"\r\n\r\n" + added.encode() + b"\r\n"
    result = analyse_document(doc_of(forged), settings)
    (sig,) = result.facts["dkim"]["signatures"]
    assert sig["result"] == "pass"  # the signature alone cannot see it
    assert result.facts["dkim"]["verified"] is False
    assert sig["unsigned_body_bytes"] == len(b"\r\n" + added.encode() + b"\r\n")
    (f,) = [f for f in result.findings if f.code == "EMAIL_DKIM_UNSIGNED_APPENDED_TEXT"]
    assert f.severity == Severity.MEDIUM
    assert f.evidence["unsigned_body_text"] == added
    dump = tmp_path / "dump"
    dump.mkdir()
    (dump / "clean.eml").write_bytes(signed)
    (dump / "appended.eml").write_bytes(forged)
    run_scan(str(dump), tmp_path / "out", Settings(workers=0, dkim_keys=str(archive)))
    cards = {
        c["path"]: c
        for c in map(json.loads, (tmp_path / "out" / "scorecards.jsonl").read_text().splitlines())
    }
    assert cards["clean.eml"]["verdict"] == "verified"
    assert cards["appended.eml"]["verdict"] not in ("verified", "consistent")


def test_unsigned_email_gets_no_dkim_fact(archive):
    a = analyse_document(doc_of(make_message()), Settings(workers=0, dkim_keys=str(archive)))
    assert "dkim" not in a.facts
    assert not [f for f in a.findings if f.code.startswith("EMAIL_DKIM")]


def test_body_hash_is_checked_without_the_key(rsa_key):
    # A leaked dump is read offline, years later: keys are rotated out of DNS and rarely
    # archived. The body hash (bh=) needs no key.
    signed = sign(make_message(), rsa_key[0])
    intact = verify_message(signed, None)["signatures"][0]
    assert intact["result"] == "key_unavailable" and intact["body_hash_valid"] is True
    # LF line endings and relaxed canonicalization give the same answer.
    relaxed = sign(make_message(), rsa_key[0], canonicalize=(b"relaxed", b"relaxed"))
    assert verify_message(relaxed.replace(b"\r\n", b"\n"), None)["signatures"][0]["body_hash_valid"]
    altered = verify_message(tamper_body(signed), None)["signatures"][0]
    assert altered["result"] == "body_hash_mismatch"
    assert altered["checked_without_key"] is True and altered["body_hash_valid"] is False
    # A header edit leaves the body hash intact: without the key it cannot be seen.
    assert verify_message(tamper_subject(signed), None)["signatures"][0]["result"] == (
        "key_unavailable"
    )


def test_keyless_body_mismatch_finding_is_high_and_real_signed_mail_is_intact():
    settings = Settings(workers=0, strict=True)
    gmail = corpus_file("test2.message")  # a real Gmail message; its key is not archived
    intact = analyse_document(doc_of(gmail), settings)
    (f,) = [f for f in intact.findings if f.code.startswith("EMAIL_DKIM")]
    assert f.code == "EMAIL_DKIM_KEY_UNAVAILABLE" and f.evidence["body_hash_valid"] is True
    body = gmail.split(b"\r\n\r\n", 1) if b"\r\n\r\n" in gmail else gmail.split(b"\n\n", 1)
    assert len(body) == 2 and body[1].strip()
    words = body[1].split()
    edited = (
        body[0]
        + (b"\r\n\r\n" if b"\r\n\r\n" in gmail else b"\n\n")
        + body[1].replace(words[0], words[0] + b"X", 1)
    )
    altered = analyse_document(doc_of(edited), settings)
    (f,) = [f for f in altered.findings if f.code.startswith("EMAIL_DKIM")]
    assert (f.code, f.severity) == ("EMAIL_DKIM_BODY_HASH_MISMATCH", Severity.HIGH)
    assert "without the public key" in f.message
    assert altered.facts["dkim"]["verified"] is False


def test_revoked_key_is_unavailable(rsa_key):
    signed = sign(make_message(), rsa_key[0])
    revoked = KeyArchive({"may2017._domainkey.example.org": "v=DKIM1; k=rsa; p="})
    assert verify_message(signed, revoked)["signatures"][0]["result"] == "key_unavailable"


def test_hostile_input_never_raises(archive):
    keys = KeyArchive.from_file(archive)
    cases = [
        b"",
        b"\x00\xff" * 100,
        b"DKIM-Signature: garbage\r\n\r\nbody",
        b"DKIM-Signature: v=1; a=rsa-sha256; d=example.org; s=may2017; h=from; bh=!!; b=??\r\n"
        b"From: a@example.org\r\n\r\nbody\r\n",
        b"DKIM-Signature: v=1; a=foo-sha1; d=example.org; s=may2017; h=from; bh=AA==; b=AA==\r\n"
        b"From: a@example.org\r\n\r\nbody\r\n",
        b"DKIM-Signature: v=1; a=rsa-sha256; d=(bad); s=x; h=from; bh=AA==; b=AA==\r\n\r\n",
    ]
    bad_key = KeyArchive({"may2017._domainkey.example.org": "v=DKIM1; k=rsa; p=AAAA"})
    for data in cases:
        for archive_ in (keys, bad_key, None):
            result = verify_message(data, archive_)
            assert result["verified"] is False
            for sig in result["signatures"]:
                assert sig["result"] in {"error", "key_unavailable"}, sig


def test_cli_and_settings_accept_the_key_archive(archive):
    from authenticity.cli import build_parser

    args = build_parser().parse_args(
        ["scan", "src", "--out", "o", "--dkim-keys", str(archive), "--dns"]
    )
    assert args.dkim_keys == str(archive) and args.dns is True
    settings = Settings.from_env(dkim_keys=str(archive), dns=False)
    assert settings.dkim_keys == str(archive) and settings.dns is False


# --------------------------------------------------------------------------- end to end


def test_scan_gives_verified_and_likely_forged(tmp_path, archive, rsa_key):
    signed = sign(make_message(), rsa_key[0])
    dump = tmp_path / "dump"
    dump.mkdir()
    (dump / "signed.eml").write_bytes(signed)
    (dump / "tampered.eml").write_bytes(tamper_body(signed))
    out = tmp_path / "out"
    run_scan(str(dump), out, Settings(workers=0, dkim_keys=str(archive)))
    cards = {
        c["path"].rsplit("/", 1)[-1]: c
        for c in map(json.loads, (out / "scorecards.jsonl").read_text().splitlines())
    }
    assert cards["signed.eml"]["verdict"] == "verified", cards["signed.eml"]["findings"]
    assert cards["tampered.eml"]["verdict"] == "likely_forged"
    codes = {f["code"] for f in cards["tampered.eml"]["findings"]}
    assert "EMAIL_DKIM_BODY_HASH_MISMATCH" in codes
    # The verdict and the score agree (ranking by score puts it with the likely forged),
    # whether the model or the critical finding's rule floor gave it.
    from authenticity import classifier

    model = classifier.resolve(None)
    assert model is not None
    tampered = cards["tampered.eml"]
    assert tampered["score"] > model.thresholds["likely_forged"]
    assert tampered["score"] >= tampered["model_score"]
    assert cards["signed.eml"]["score"] == cards["signed.eml"]["model_score"]


# --------------------------------------------------------------------------- dkimpy test data


def corpus_file(name: str) -> bytes:
    path = EMAIL_CORPUS / f"kitterma__dkim_tests_data_{name}"
    if not path.exists():
        pytest.skip(f"dkimpy test data not found at {path}")
    return path.read_bytes()


def test_dkimpy_gmail_message_verifies_with_archived_key():
    # test2.message is a real Gmail message; dkimpy's tests serve 20120113._domainkey.gmail.com.
    keys = KeyArchive({"20120113._domainkey.gmail.com": GMAIL_20120113})
    result = verify_message(corpus_file("test2.message"), keys)
    assert result["verified"]
    assert result["signatures"][0]["domain"] == "gmail.com"


def test_rfc8463_example_rsa_signature_verifies():
    keys = KeyArchive(
        {
            "test._domainkey.football.example.com": RFC8463_RSA,
            "brisbane._domainkey.football.example.com": RFC8463_ED25519,
        }
    )
    result = verify_message(corpus_file("rfc6376.signed.msg"), keys)
    assert result["verified"]
    by_selector = {s["selector"]: s for s in result["signatures"]}
    assert by_selector["test"]["result"] == "pass"
    try:
        import nacl  # noqa: F401
    except ImportError:  # ed25519 needs pynacl: reported, never a crash
        assert by_selector["brisbane"]["result"] == "error"
        assert "pynacl" in by_selector["brisbane"]["detail"]
    else:
        assert by_selector["brisbane"]["result"] == "pass"


def test_dkimpy_test_message_signed_with_test_private_verifies_with_test_txt():
    # dkimpy signs test.message with test.private and serves test.txt as
    # test._domainkey.example.com.
    message = corpus_file("test.message")
    private = corpus_file("test.private")
    keys = KeyArchive({"test._domainkey.example.com": corpus_file("test.txt")})
    signed = dkim.sign(message, b"test", b"example.com", private) + message
    assert verify_message(signed, keys)["verified"]
    # The same key with a damaged modulus (test_bad.txt) does not verify it.
    bad = KeyArchive({"test._domainkey.example.com": corpus_file("test_bad.txt")})
    assert verify_message(signed, bad)["signatures"][0]["result"] in {
        "signature_mismatch",
        "error",
    }


def test_dkimpy_ed25519_messages():
    pytest.importorskip("nacl")
    keys = KeyArchive({"sed._domainkey.test.ex": corpus_file("eximtest.dns")})
    assert verify_message(corpus_file("ed25519test2.msg"), keys)["verified"]


def test_arc_chain_verifies_offline(rsa_key):
    pytest.importorskip("authres")  # dkimpy needs it to make (not to check) an ARC set
    msg = (
        b"Authentication-Results: lists.example.org; dkim=pass header.d=example.org\r\n"
        + make_message()
    )
    arc_headers = dkim.arc_sign(msg, b"may2017", b"example.org", rsa_key[0], b"lists.example.org")
    sealed = b"".join(arc_headers) + msg
    keys = KeyArchive({"may2017._domainkey.example.org": rsa_key[1]})
    result = verify_message(sealed, keys)
    assert result["signed"] is False  # ARC alone is not a DKIM signature
    assert result["arc"]["result"] == "pass", result["arc"]
    assert result["arc"]["instances"] == 1
    broken = verify_message(sealed.replace(b"figures.", b"figures!"), keys)
    assert broken["arc"]["result"] == "fail"


def test_cli_local_scan_with_key_archive(tmp_path, archive, rsa_key):
    from authenticity.cli import main

    dump = tmp_path / "dump"
    dump.mkdir()
    (dump / "signed.eml").write_bytes(sign(make_message(), rsa_key[0]))
    out = tmp_path / "out"
    argv = ["scan", str(dump), "--out", str(out), "--engine", "local", "--workers", "0"]
    assert main([*argv, "--dkim-keys", str(archive), "-q"]) == 0
    (card,) = map(json.loads, (out / "scorecards.jsonl").read_text().splitlines())
    assert card["verdict"] == "verified"
    assert main([*argv, "--dkim-keys", str(tmp_path / "missing.txt"), "-q"]) == 2


def test_soft_evidence_does_not_outweigh_a_verified_signature(rsa_key, archive):
    # A DKIM-verified message with info/low findings only stays verified even when the model
    # scores it high; a medium finding lets the model's verdict through.
    from authenticity import classifier
    from authenticity.model import Finding
    from authenticity.pipeline import Prediction, scorecard_from

    model = classifier.resolve(None)
    assert model is not None
    data = sign(make_message(), rsa_key[0])
    own = analyse_document(doc_of(data), Settings(workers=0, dkim_keys=str(archive)))
    assert own.facts["dkim"]["verified"] is True
    assert all(f.severity.rank < Severity.MEDIUM.rank for f in own.findings)
    high = Prediction(model=model, score=0.999, reasons=[])
    assert model.verdict(0.999).value == "likely_forged"
    card = scorecard_from(doc_of(data), own, list(own.findings), high)
    assert card.verdict.value == "verified"
    medium = Finding("EMAIL_DATE_VS_RECEIVED", Severity.MEDIUM, "Date after the first hop.", {})
    card = scorecard_from(doc_of(data), own, [*own.findings, medium], high)
    assert card.verdict.value == "likely_forged"


def test_limits_say_what_a_verified_signature_does_not_vouch_for(archive, rsa_key):
    from authenticity.limits import limits

    settings = Settings(workers=0, strict=True, dkim_keys=str(archive))
    ok = analyse_document(doc_of(sign(make_message(), rsa_key[0])), settings)
    (limit,) = limits(ok.mime, ok.metadata, ok.facts, ok.status)
    assert limit["code"] == "LIMIT_EMAIL_SIGNED_SCOPE"
    assert "example.org" in limit["message"] and "subject" in limit["message"]
    # a body edit: the DKIM findings say what failed, no limit is added
    bad = analyse_document(doc_of(tamper_body(sign(make_message(), rsa_key[0]))), settings)
    assert bad.facts["dkim"]["verified"] is False
    assert limits(bad.mime, bad.metadata, bad.facts, bad.status) == []
    plain = analyse_document(doc_of(make_message()), settings)
    assert [x["code"] for x in limits(plain.mime, plain.metadata, plain.facts)] == [
        "LIMIT_EMAIL_UNSIGNED"
    ]


def test_body_signed_reads_verified_and_keyless_bodies(archive, rsa_key):
    keys = load_archive(archive)
    signed = sign(make_message(), rsa_key[0])
    tail = sign(make_message(), rsa_key[0], length=True) + b"\r\nP.S. Wire it today.\r\n"

    def facts(data: bytes, with_key: bool) -> dict:
        return {"dkim": verify_message(data, keys if with_key else None)}

    verified, keyless = facts(signed, True), facts(signed, False)
    assert body_signed(verified) and body_signed(verified, need_key=True)
    assert body_signed(keyless) and not body_signed(keyless, need_key=True)
    for altered in (facts(tamper_body(signed), True), facts(tamper_body(signed), False)):
        assert not body_signed(altered)
    # The signature still verifies, but not the text appended after its l= length.
    assert verify_message(tail, keys)["signatures"][0]["result"] == "pass"
    assert not body_signed(facts(tail, True)) and not body_signed(facts(tail, False))
    assert not body_signed({}) and not body_signed({"dkim": {"signatures": "x"}})


def test_text_appended_after_l_is_seen_without_the_key(rsa_key):
    # The usual case of a leak: no key archive. The signed length still hashes right, so
    # the appended text is what nothing vouches for.
    signed = sign(make_message(), rsa_key[0], length=True)
    added = "P.S. Transfer the 250,000 EUR to account FR76 3000 6000 0112 3456 7890 189 today."
    forged = signed.rstrip(b"\r\n") + b"\r\n\r\n" + added.encode() + b"\r\n"
    settings = Settings(workers=0)
    (sig,) = analyse_document(doc_of(forged), settings).facts["dkim"]["signatures"]
    assert sig["result"] == "key_unavailable" and sig["body_hash_valid"] is True
    result = analyse_document(doc_of(forged), settings)
    (f,) = [f for f in result.findings if f.code == "EMAIL_DKIM_UNSIGNED_APPENDED_TEXT"]
    assert f.severity == Severity.MEDIUM
    assert f.evidence["unsigned_body_text"] == added
    assert "checked without the key" in f.message
    clean = analyse_document(doc_of(signed), settings)
    assert clean.facts["dkim"]["signatures"][0]["unsigned_body_bytes"] == 0
    assert not [f for f in clean.findings if f.code == "EMAIL_DKIM_UNSIGNED_APPENDED_TEXT"]


def test_signing_time_weighs_only_while_the_date_is_unverified(archive, rsa_key):
    # dkimpy stamps t= with today's time on a message dated 2017: signed years after it was
    # written. Verified with the archived key, the signed Date is the signer's own: nothing
    # to say. Read without the key (a leak's usual case), the gap is all there is.
    signed = sign(make_message(), rsa_key[0])
    with_key = analyse_document(doc_of(signed), Settings(workers=0, dkim_keys=str(archive)))
    assert with_key.facts["dkim"]["signatures"][0]["result"] == "pass"
    assert "EMAIL_DATE_VS_SIGNING_TIME" not in {f.code for f in with_key.findings}
    without = analyse_document(doc_of(signed), Settings(workers=0))
    (found,) = [f for f in without.findings if f.code == "EMAIL_DATE_VS_SIGNING_TIME"]
    assert found.severity is Severity.MEDIUM
    assert found.evidence["difference_seconds"] < -365 * 86400
