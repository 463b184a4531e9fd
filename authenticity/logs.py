"""Logging set-up shared by the command line and the worker processes."""

from __future__ import annotations

import logging
import warnings

#: Loggers of the parsers and producers the analysis drives: they warn about every oddity
#: of a hostile file ("Possibly corrupted field ...", "Could not get FontBBox ..."), which
#: on a real dump floods the scan's log. What matters for a document is in its findings
#: and errors; their errors still show.
PARSER_LOGGERS = ("pdfminer", "exifread", "PIL", "olefile", "fontTools", "pypdf", "openpyxl")


def quiet_parsers() -> None:
    """Keep the parsers' warnings (log records and Python warnings) out of this process's
    output: called in every worker, and by the command line for in-process analysis."""
    for name in PARSER_LOGGERS:
        logging.getLogger(name).setLevel(logging.ERROR)
    for module in ("PIL", "zipfile", "openpyxl", "pypdf", "docx", "pptx"):
        warnings.filterwarnings("ignore", category=UserWarning, module=rf"{module}(\.|$)")
