"""authenticity: tell authentic files from forged inserts in a leaked dump."""

__version__ = "0.1.0"
