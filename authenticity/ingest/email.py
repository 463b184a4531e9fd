"""Email containers: the attachments of one RFC 5322 message, and the messages of an mbox.

Parsing is defensive: ``email`` records defects instead of raising, and every part is
handled under its own ``try`` so a broken part costs only that part. Messages are parsed
with ``policy.compat32`` (:mod:`authenticity.mime`: five times cheaper than
``policy.default``, file names read as ``policy.default`` reads them).
"""

from __future__ import annotations

import email
import email.message
import email.policy
from collections.abc import Iterator

from authenticity.ingest._core import Context, Node, Unreadable, one_line, safe_filename
from authenticity.mime import parse_message, part_filename
from authenticity.model import Document

RFC822 = "message/rfc822"
_MESSAGE_TYPES = {"message/rfc822", "message/global"}
_LINE_CAP = 1 << 20  # read lines in pieces of at most this many bytes


def _too_many(ctx: Context, node: Node, count: int, what: str) -> bool:
    if count > ctx.limits.max_members:
        ctx.problem(
            node.path,
            "ARCHIVE_MEMBER_LIMIT",
            f"More than {ctx.limits.max_members} {what}; the rest were skipped.",
        )
        return True
    return False


def _too_big(ctx: Context, path: str, size: int, what: str) -> bool:
    if size > ctx.limits.max_member_bytes:
        ctx.problem(
            path,
            "ARCHIVE_SIZE_LIMIT",
            f"The {what} is over the {ctx.limits.max_member_bytes}-byte limit; it was skipped.",
        )
        return True
    return False


# --------------------------------------------------------------------------- one message


def _leaves(msg: email.message.Message) -> Iterator[email.message.Message]:
    """Non-multipart parts in document order; message/rfc822 parts are leaves (not entered)."""
    stack = [msg]
    while stack:
        part = stack.pop()
        if part.get_content_type() not in _MESSAGE_TYPES and part.is_multipart():
            payload = part.get_payload()
            if isinstance(payload, list):
                stack.extend(reversed([p for p in payload if isinstance(p, email.message.Message)]))
            continue
        yield part


def _attachment(part: email.message.Message, k: int, linesep: str) -> tuple[str, bytes] | None:
    """(file name, content) if ``part`` is an attachment, else None."""
    ctype = part.get_content_type()
    if ctype in _MESSAGE_TYPES:
        payload = part.get_payload()
        if isinstance(payload, list) and payload and isinstance(payload[0], email.message.Message):
            inner = payload[0]
            try:
                data = inner.as_bytes(policy=inner.policy.clone(linesep=linesep))
            except Exception:  # compat32 could not re-emit a header: let policy.default refold
                data = inner.as_bytes(policy=email.policy.default.clone(linesep=linesep))
        else:  # e.g. a base64-encoded message/rfc822: decode what is there
            data = part.get_payload(decode=True) or b""
        name = safe_filename(part_filename(part)) or f"part-{k}"
        if not name.lower().endswith(".eml"):
            name += ".eml"
        return name, data
    disposition = part.get_content_disposition()
    filename = part_filename(part)
    is_attachment = disposition == "attachment" or (
        bool(filename) and (disposition == "inline" or part.get_content_maintype() != "text")
    )
    if not is_attachment:
        return None
    data = part.get_payload(decode=True)
    if data is None:
        raw = part.get_payload()
        data = raw.encode("utf-8", "surrogateescape") if isinstance(raw, str) else b""
    return safe_filename(filename) or f"part-{k}.bin", data


def iter_email(ctx: Context, node: Node) -> Iterator[Document]:
    """Attachments of one message (declared_mime from the part, container message/rfc822)."""
    raw = node.read_all(ctx.limits.max_member_bytes)
    if raw is None:
        ctx.problem(
            node.path,
            "ARCHIVE_SIZE_LIMIT",
            f"The message is over the {ctx.limits.max_member_bytes}-byte limit; "
            "its attachments were not listed.",
        )
        return
    try:
        msg = parse_message(raw)
    except Exception as exc:
        raise Unreadable(one_line(exc)) from exc
    linesep = "\r\n" if b"\r\n" in raw[:65536] else "\n"
    count = 0
    total = 0
    leaves = _leaves(msg)
    k = 0
    while True:
        try:
            part = next(leaves)
        except StopIteration:
            return
        except Exception as exc:
            ctx.problem(
                node.path,
                "EMAIL_PARSE_ERROR",
                f"The MIME tree cannot be walked further: {one_line(exc)}.",
            )
            return
        k += 1
        try:
            found = _attachment(part, k, linesep)
            declared = part.get_content_type() if "Content-Type" in part else None
        except Exception as exc:
            ctx.problem(
                node.path,
                "EMAIL_PARSE_ERROR",
                f"MIME part {k} cannot be decoded ({type(exc).__name__}: {one_line(exc)}); "
                "it was skipped.",
            )
            continue
        if found is None:
            continue
        name, data = found
        name = node.unique(name)
        count += 1
        if _too_many(ctx, node, count, "attachments"):
            return
        if _too_big(ctx, node.prefix + name, len(data), "attachment"):
            continue
        total += len(data)
        if total > ctx.limits.max_total_bytes:
            ctx.problem(
                node.path,
                "ARCHIVE_SIZE_LIMIT",
                f"The attachments exceed {ctx.limits.max_total_bytes} bytes; "
                "the rest were skipped.",
            )
            return
        yield node.member(name, data, declared_mime=declared, container_mime=RFC822)


# --------------------------------------------------------------------------- mbox


def _strip_separator(lines: list[bytes]) -> bytes:
    """Message bytes without the blank line that precedes the next ``From `` line."""
    if lines and lines[-1] in (b"\n", b"\r\n"):
        lines = lines[:-1]
    return b"".join(lines)


def iter_mbox(ctx: Context, node: Node) -> Iterator[Document]:
    """Messages of an mbox as ``00001.eml``, ``00002.eml``, ... (streamed line by line).

    Like :mod:`mailbox`, every line starting with ``From `` starts a message; the From_
    line itself is not part of the message and ``>From`` quoting is left as it is.
    """
    limit = ctx.limits.max_member_bytes
    with node.open() as fh:
        first = fh.readline(_LINE_CAP)
        if not first.startswith(b"From "):
            raise Unreadable("it does not start with a 'From ' line")
        n = 0
        total = 0
        lines: list[bytes] = []
        size = 0
        oversize = False

        def finish() -> Document | None:
            nonlocal total
            name = f"{n:05d}.eml"
            if oversize:
                _too_big(ctx, node.prefix + name, size, "message")
                return None
            data = _strip_separator(lines)
            total += len(data)
            return node.member(name, data)

        n = 1
        at_line_start = True
        for line in iter(lambda: fh.readline(_LINE_CAP), b""):
            starts_message = at_line_start and line.startswith(b"From ")
            at_line_start = line.endswith(b"\n")
            if starts_message:
                doc = finish()
                if total > ctx.limits.max_total_bytes:
                    ctx.problem(
                        node.path,
                        "ARCHIVE_SIZE_LIMIT",
                        f"The mbox holds more than {ctx.limits.max_total_bytes} bytes of "
                        "messages; the rest were skipped.",
                    )
                    return
                if doc is not None:
                    yield doc
                n += 1
                if _too_many(ctx, node, n, "messages"):
                    return
                lines, size, oversize = [], 0, False
                continue
            size += len(line)
            if size > limit:
                oversize = True
                lines = []
            elif not oversize:
                lines.append(line)
        doc = finish()
        if total > ctx.limits.max_total_bytes:
            ctx.problem(
                node.path,
                "ARCHIVE_SIZE_LIMIT",
                f"The mbox holds more than {ctx.limits.max_total_bytes} bytes of messages; "
                "the rest were skipped.",
            )
            return
        if doc is not None:
            yield doc
