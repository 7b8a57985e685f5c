"""The host's copies of the sessions it synced from boards: files, written atomically.

Layout under the store's root (``korset.paths.user_data_dir()/sessions`` by
default)::

    DEVICE/NNNNNN.kss           a session, verified (SHA-256 as the board gave it)
    .partial/ADDRESS/NNNNNN.part  what a sync has received so far (resumed from)

``DEVICE`` is the board's unique id from the session header, so sessions of
two boards never mix, and a session is stored once whatever its number.
"""

from __future__ import annotations

import hashlib
import os
import re
from pathlib import Path

from korset import paths
from korset import session as sess

_SAFE = re.compile(r"[^0-9A-Za-z_-]")


def _safe(name: str) -> str:
    return _SAFE.sub("_", name) or "_"


class SessionStore:
    def __init__(self, root: str | Path | None = None):
        self.root = Path(root) if root is not None else paths.user_data_dir() / "sessions"

    def path(self, device: str, number: int) -> Path:
        return self.root / _safe(device) / f"{number:06d}{sess.SUFFIX}"

    def partial(self, address: str, number: int) -> Path:
        return self.root / ".partial" / _safe(address) / f"{number:06d}.part"

    def put(self, data: bytes, digest: bytes) -> Path:
        """Store a downloaded session after checking it; returns its path.

        The session must match ``digest`` and decode with its header (which
        names the device); it is written to a temporary file, flushed to disk
        and renamed, so a crash leaves either no copy or a whole one.
        """
        if hashlib.sha256(data).digest() != digest:
            raise sess.SessionError("the session's bytes do not match the board's hash")
        decoded = sess.decode(data)
        device = str(decoded.header.get("device") or "unknown")
        number = int(decoded.header.get("session") or 0)
        path = self.path(device, number)
        if path.exists() and hashlib.sha256(path.read_bytes()).digest() == digest:
            return path  # the same session again: nothing to do
        if path.exists():
            # Same number, other content: a board that was erased and renumbered. Keep both.
            path = path.with_name(f"{number:06d}-{digest.hex()[:8]}{sess.SUFFIX}")
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".tmp")
        with open(tmp, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
        return path

    def digests(self) -> dict[bytes, Path]:
        """SHA-256 -> path of every stored session (to recognise one synced before)."""
        return {hashlib.sha256(path.read_bytes()).digest(): path for path in self.sessions()}

    def sessions(self) -> list[Path]:
        if not self.root.exists():
            return []
        return sorted(p for p in self.root.glob(f"*/*{sess.SUFFIX}"))
