"""Korset host tools: talk to the wearable, simulate it, analyse what it recorded."""

__version__ = "0.1.0"


class KorsetError(Exception):
    """Base of every error Korset reports to a user as one clear line."""
