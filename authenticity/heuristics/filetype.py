"""Type evidence: file extension vs libmagic vs the MIME type declared by the email part."""

from __future__ import annotations

from collections.abc import Iterator

from authenticity.model import Finding, Severity

#: Coarse kinds: what a reviewer means by "this is a spreadsheet".
_MIME_KIND = {
    "application/pdf": "pdf",
    "application/msword": "doc",
    "application/vnd.ms-word": "doc",
    "application/vnd.ms-excel": "xls",
    "application/vnd.ms-powerpoint": "ppt",
    "application/vnd.ms-outlook": "msg",
    "application/x-ole-storage": "ole",
    "application/cdfv2": "ole",
    "application/vnd.ms-office": "ole",
    "application/encrypted": "ole",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": "docx",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.template": "docx",
    "application/vnd.ms-word.document.macroenabled.12": "docx",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": "xlsx",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.template": "xlsx",
    "application/vnd.ms-excel.sheet.macroenabled.12": "xlsx",
    "application/vnd.openxmlformats-officedocument.presentationml.presentation": "pptx",
    "application/vnd.openxmlformats-officedocument.presentationml.template": "pptx",
    "application/vnd.ms-powerpoint.presentation.macroenabled.12": "pptx",
    "application/zip": "zip",
    "application/x-zip-compressed": "zip",
    "application/x-7z-compressed": "7z",
    "application/x-tar": "tar",
    "application/gzip": "gzip",
    "application/x-gzip": "gzip",
    "message/rfc822": "email",
    "application/mbox": "mbox",
    "text/html": "html",
    "text/rtf": "rtf",
    "application/rtf": "rtf",
    "text/csv": "csv",
    "image/jpeg": "jpeg",
    "image/png": "png",
    "image/gif": "gif",
    "image/tiff": "tiff",
    "application/x-dosexec": "exe",
    "application/vnd.microsoft.portable-executable": "exe",
    "application/x-executable": "exe",
    "application/x-sharedlib": "exe",
    "application/x-pie-executable": "exe",
    "application/x-mach-binary": "exe",
}

_EXT_KIND = {
    "pdf": "pdf",
    "doc": "doc",
    "dot": "doc",
    "xls": "xls",
    "xlt": "xls",
    "ppt": "ppt",
    "pps": "ppt",
    "pot": "ppt",
    "msg": "msg",
    "docx": "docx",
    "docm": "docx",
    "dotx": "docx",
    "dotm": "docx",
    "xlsx": "xlsx",
    "xlsm": "xlsx",
    "xltx": "xlsx",
    "xltm": "xlsx",
    "pptx": "pptx",
    "pptm": "pptx",
    "potx": "pptx",
    "ppsx": "pptx",
    "zip": "zip",
    "7z": "7z",
    "tar": "tar",
    "gz": "gzip",
    "tgz": "gzip",
    "eml": "email",
    "mbox": "mbox",
    "html": "html",
    "htm": "html",
    "rtf": "rtf",
    "csv": "csv",
    "txt": "text",
    "jpg": "jpeg",
    "jpeg": "jpeg",
    "jpe": "jpeg",
    "png": "png",
    "gif": "gif",
    "tif": "tiff",
    "tiff": "tiff",
    "exe": "exe",
    "dll": "exe",
    "scr": "exe",
    "com": "exe",
}

#: Kinds libmagic cannot always tell apart; a match within one group is not evidence.
#: OOXML kinds are not one group: :func:`authenticity.sniff.detect_mime` names the kind from
#: the package's own part folders (``word/``, ``xl/``, ``ppt/``), and Office refuses a
#: workbook named ``.docx``, so a Word file under a spreadsheet's name was renamed by hand.
#: Only a bare zip is compatible with each (libmagic's answer for unusual part orders,
#: when the folders cannot be read either).
_COMPATIBLE = [
    {"doc", "xls", "ppt", "msg", "ole"},  # OLE2 compound files
    {"docx", "zip"},
    {"xlsx", "zip"},
    {"pptx", "zip"},
    {"text", "csv", "html", "rtf", "email", "mbox"},  # text formats sniffed as text/plain
]

#: (extension kind, content kind) pairs that real applications produce: Word saves RTF or
#: HTML as .doc, web exports deliver HTML or CSV as .xls, text formats get .txt names.
_BENIGN_RENAMES = {
    ("doc", "rtf"),
    ("doc", "html"),
    ("doc", "text"),
    ("doc", "docx"),
    ("xls", "html"),
    ("xls", "csv"),
    ("xls", "text"),
    ("xls", "xlsx"),
    ("ppt", "pptx"),
    ("docx", "doc"),
    ("xlsx", "xls"),
    ("pptx", "ppt"),
    ("docx", "ole"),
    ("xlsx", "ole"),
    ("pptx", "ole"),
    ("zip", "docx"),
    ("zip", "xlsx"),
    ("zip", "pptx"),
    # ".msg" names both Outlook files and plain RFC 822 messages saved by Unix mail tools.
    ("msg", "email"),
    ("msg", "text"),
}

_EXECUTABLE_EXTS = {"exe", "dll", "scr", "com", "bin", "so", "elf", "msi", "sys"}


def mime_kind(mime: str | None) -> str | None:
    if not mime:
        return None
    mime = mime.split(";", 1)[0].strip().lower()
    if mime in _MIME_KIND:
        return _MIME_KIND[mime]
    if mime.startswith("text/"):
        return "text"
    return None


def ext_kind(extension: str) -> str | None:
    return _EXT_KIND.get(extension.lower())


def compatible(a: str, b: str) -> bool:
    return a == b or any(a in group and b in group for group in _COMPATIBLE)


def check_extension(extension: str, detected: str) -> Iterator[Finding]:
    """The name says one type, the content another."""
    detected_kind = mime_kind(detected)
    if detected_kind == "exe" and extension.lower() not in _EXECUTABLE_EXTS:
        yield Finding(
            "TYPE_EXECUTABLE_DISGUISED",
            Severity.HIGH,
            f"The content is an executable program ({detected}) but the name ends in "
            f"'.{extension}': a disguised program, not a document.",
            {"extension": extension, "detected_mime": detected},
        )
        return
    claimed = ext_kind(extension)
    if claimed is None or detected_kind is None or compatible(claimed, detected_kind):
        return
    if (claimed, detected_kind) in _BENIGN_RENAMES:
        yield Finding(
            "TYPE_EXTENSION_MISMATCH",
            Severity.LOW,
            f"The file name ends in '.{extension}' but the content is {detected}; applications "
            "commonly save this format under that extension, so this is weak evidence.",
            {"extension": extension, "detected_mime": detected},
        )
        return
    yield Finding(
        "TYPE_EXTENSION_MISMATCH",
        Severity.HIGH,
        f"The file name ends in '.{extension}' but the content is {detected}: the file is not "
        "what its name says, which happens when a document is fabricated or swapped.",
        {"extension": extension, "detected_mime": detected},
    )


def check_declared(declared: str | None, detected: str) -> Iterator[Finding]:
    """The email part declares one type, the content is another."""
    if not declared:
        return
    declared_kind = mime_kind(declared)
    detected_kind = mime_kind(detected)
    if declared_kind is None or detected_kind is None or compatible(declared_kind, detected_kind):
        return
    yield Finding(
        "TYPE_DECLARED_MISMATCH",
        Severity.MEDIUM,
        f"The email declares this attachment as {declared} but its content is {detected}; "
        "mail clients take the type from the file they attach.",
        {"declared_mime": declared, "detected_mime": detected},
    )
