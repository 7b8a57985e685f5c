"""Sync: take every finished session off a board without ever losing or doubling one.

For each session the board lists (the one being recorded waits for its set
to end): if the host already stores a copy with the board's SHA-256, it only
confirms it again (the last confirmation may have been lost with the link);
otherwise it reads the session, resuming from what an earlier, interrupted
sync saved in the store's ``.partial`` directory, checks the hash, stores
the copy (atomically), and only then confirms it, which lets the board
delete it. A dropped link raises ``LinkError``; calling ``sync`` again on a
new connection goes on from the last byte received.

A set recorded while the board's clock was unset (a new board, or after a
reset: boards keep no time without power) is dated here when it was recorded
in the boot the board is still in: from its start uptime and the board's
uptime now (``korset.session.date_from_uptime``), kept beside the stored copy
(``korset.session.dated_path``); the session's bytes stay the board's.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from korset import session as sess
from korset.ble.client import KorsetClient, sha256
from korset.sessionstore import SessionStore


@dataclass
class SyncReport:
    stored: list[Path] = field(default_factory=list)  # downloaded and stored now
    confirmed: list[int] = field(default_factory=list)  # board told it may delete
    already_stored: list[int] = field(default_factory=list)
    still_recording: list[int] = field(default_factory=list)
    bytes_received: int = 0
    seconds: float = 0.0


async def sync(kc: KorsetClient, store: SessionStore, address: str, *,
               progress: Callable[[int, int, int], None] | None = None,
               report: SyncReport | None = None) -> SyncReport:
    """``progress(session, bytes, size)``; ``report`` accumulates across resumed attempts."""
    report = report or SyncReport()
    started = time.monotonic()
    try:
        await kc.set_time()
        info = await kc.info()  # the board's uptime and boot, to date sets it could not
        known = store.digests()
        for entry in await kc.list_sessions():
            if entry.recording:
                if entry.number not in report.still_recording:
                    report.still_recording.append(entry.number)
                continue
            digest = await kc.session_digest(entry.number, entry.size)
            if digest not in known:
                part = store.partial(address, entry.number)
                buffer = bytearray(part.read_bytes() if part.exists() else b"")
                before = len(buffer)
                try:
                    digest = await kc.read_session(
                        entry.number, buffer,
                        progress=(lambda got, size, n=entry.number: progress(n, got, size))
                        if progress else None)
                finally:
                    report.bytes_received += max(0, len(buffer) - before)
                    part.parent.mkdir(parents=True, exist_ok=True)
                    part.write_bytes(buffer)
                if sha256(buffer) != digest:
                    part.unlink()  # start this one afresh next time
                    raise sess.SessionError(
                        f"session {entry.number}: the received bytes do not match the board's "
                        "hash; it stays on the board and will be read again")
                path = store.put(bytes(buffer), digest)
                part.unlink()
                known[digest] = path
                report.stored.append(path)
            elif entry.number not in report.already_stored:
                report.already_stored.append(entry.number)
            _date(known[digest], info)
            await kc.confirm(entry.number, digest)
            report.confirmed.append(entry.number)
    finally:
        report.seconds += time.monotonic() - started
    return report


def _date(path: Path, info) -> None:
    """Keep when the stored session ``path`` started, if only the board's uptime knows."""
    dated = sess.dated_path(path)
    if dated.exists():
        return
    header = sess.read(path).header
    start = sess.date_from_uptime(header, info.boot, info.uptime_s, info.read_at_unix_s)
    if start is not None:
        tmp = dated.with_name(dated.name + ".tmp")
        tmp.write_text(json.dumps({"start_unix_s": round(start, 3),
                                   "from": "the board's uptime at the sync"}))
        tmp.replace(dated)
