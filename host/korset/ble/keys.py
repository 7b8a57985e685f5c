"""The board keys this computer holds: what proves to a board that it may serve us.

A board's key (``korsetfw.boardkey``) is made by ``korset flash`` and written
to the board over USB, so only someone who had the board on a cable holds it.
This computer keeps a copy per board, by the board's device id (its MCU id,
which the board tells in ``HELLO``), in one JSON file readable by its owner
only: ``board-keys.json`` in the user's Korset data directory, or, for a
virtual board's own computer, beside the board (``VirtualRadio``).

Writing replaces the file whole (a temporary file, then a rename): a crash
keeps the old keys or the new ones, and the keys of other boards are kept.
"""

from __future__ import annotations

import json
import os
import secrets
from pathlib import Path

from korset import KorsetError
from korsetfw import boardkey

FILE_NAME = "board-keys.json"
VIRTUAL_HOST_KEYS = "host-keys.json"  # a virtual board's own computer's keys, beside it


class KeyFileError(KorsetError):
    pass


class BoardKeys:
    """``{device id: key}`` in one file; ``fallback``: another store read after this one."""

    def __init__(self, path: str | Path, fallback: BoardKeys | None = None):
        self.path = Path(path)
        self.fallback = fallback

    def _read(self) -> dict[str, str]:
        try:
            data = json.loads(self.path.read_text())
        except FileNotFoundError:
            return {}
        except (OSError, ValueError) as e:
            raise KeyFileError(f"{self.path}: cannot read the board keys ({e}); move it "
                               "aside and flash the boards again (korset flash) to make new "
                               "ones") from None
        if not isinstance(data, dict):
            raise KeyFileError(f"{self.path}: not a board key file (expected an object)")
        return data

    def get(self, device_id: bytes) -> bytes | None:
        text = self._read().get(bytes(device_id).hex())
        if text is not None:
            try:
                return boardkey.parse(text)
            except ValueError as e:
                raise KeyFileError(f"{self.path}: the key of board {device_id.hex()} is "
                                   f"damaged ({e}); run korset flash with the board on "
                                   "USB") from None
        return self.fallback.get(device_id) if self.fallback is not None else None

    def put(self, device_id: bytes, key: bytes) -> None:
        data = self._read()
        data[bytes(device_id).hex()] = boardkey.format_key(key).strip()
        self.path.parent.mkdir(parents=True, exist_ok=True)
        tmp = self.path.with_name(self.path.name + ".tmp")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as f:
            json.dump(data, f, indent=1, sort_keys=True)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, self.path)


def new_key() -> bytes:
    return secrets.token_bytes(boardkey.KEY_BYTES)


def user_keys() -> BoardKeys:
    """This computer's own store, in the user's Korset data directory."""
    from korset.paths import user_data_dir

    return BoardKeys(user_data_dir() / FILE_NAME)
