"""The host's history of sets: an SQLite index of analysed sessions beside their files.

One row per analysed set (table ``sets``), keyed by the SHA-256 of its
session file: analysing the same file again replaces its result instead of
adding a second row, and keeps the row's id. A row keeps what listings need
as columns (device, session number, start time, exercise, counts) and the
whole result as ``Analysis.to_dict()`` JSON, with its ``Trace`` as a BLOB.

Time: a set's time is when the board started it (``started_unix_s``, UTC
seconds). A board whose clock was never set does not know it; such a set is
ordered, filtered and grouped by when it was analysed instead
(``SetRecord.when_unix_s``, ``SetRecord.time_known``). Days are local
calendar days.

The database uses SQLite's default rollback journal, not WAL: the history is
written rarely and by one command at a time, and WAL's two side files
(``-wal``, ``-shm``) break on network and synced folders, where a
``$KORSET_HOME`` may well live. The schema's version is ``PRAGMA
user_version``. A file that is not a readable history raises
``HistoryError`` and is never changed or deleted.
"""

from __future__ import annotations

import csv
import hashlib
import json
import sqlite3
import time
from collections.abc import Iterator
from contextlib import closing, contextmanager
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

from korset import KorsetError, paths
from korset.analysis.result import Analysis, Trace
from korsetfw import catalogue as cat

SCHEMA_VERSION = 1  # PRAGMA user_version of a history this code writes

# A set's time for ordering, filtering and days: its start, else when it was analysed.
_WHEN = "coalesce(started_unix_s, analysed_at_unix_s)"

_SCHEMA = f"""
CREATE TABLE sets (
    id INTEGER PRIMARY KEY,
    device TEXT NOT NULL,
    session INTEGER,
    started_unix_s REAL,
    path TEXT NOT NULL,
    sha256 TEXT NOT NULL UNIQUE,
    exercise TEXT NOT NULL,
    exercise_key TEXT NOT NULL,
    kind TEXT NOT NULL,
    reps INTEGER NOT NULL,
    holds INTEGER NOT NULL,
    faults INTEGER NOT NULL,
    analysed_at_unix_s REAL NOT NULL,
    analysis_json TEXT NOT NULL,
    trace BLOB
);
CREATE INDEX sets_by_time ON sets ({_WHEN});
PRAGMA user_version = {SCHEMA_VERSION};
"""

_COLUMNS = ("id, device, session, started_unix_s, path, sha256, analysed_at_unix_s, "
            "analysis_json")


class HistoryError(KorsetError):
    pass


@dataclass
class SetRecord:
    """One analysed set in the history."""

    id: int  # the history's own row id
    device: str  # board's unique id from the session header ("" for imported recordings)
    session: int | None  # the board's session number
    started_unix_s: float | None  # when the set was recorded, best known (UTC seconds)
    path: str  # the session file in the store
    analysis: Analysis  # with .trace when loaded with traces
    sha256: str = ""  # of the session file, hex
    analysed_at_unix_s: float = 0.0  # when this result was stored (UTC seconds)

    @property
    def time_known(self) -> bool:
        """Whether the board knew the wall-clock time when it recorded the set."""
        return self.started_unix_s is not None

    @property
    def when_unix_s(self) -> float:
        """The set's time for ordering and days: its start, else when it was analysed."""
        return self.started_unix_s if self.started_unix_s is not None \
            else self.analysed_at_unix_s

    @property
    def when(self) -> datetime:
        """``when_unix_s`` as a local date and time."""
        return datetime.fromtimestamp(self.when_unix_s)

    @property
    def day(self) -> date:
        """The local calendar day of the set."""
        return self.when.date()


def by_day(records: list[SetRecord]) -> dict[date, list[SetRecord]]:
    """Sets grouped by local calendar day, days and sets within a day in time order."""
    days: dict[date, list[SetRecord]] = {}
    for r in sorted(records, key=lambda r: (r.when_unix_s, r.id)):
        days.setdefault(r.day, []).append(r)
    return days


def local_day_start_unix_s(day: date) -> float:
    """The first second of a local calendar day, UTC seconds (for ``sets`` filters)."""
    return datetime.combine(day, datetime.min.time()).timestamp()


class History:
    """The history database at ``path`` (default: ``history.sqlite`` in the user's Korset
    data directory, or ``$KORSET_HOME``). Its directory and schema are made on the first
    write; reading a history that does not exist yet finds no sets and creates nothing."""

    def __init__(self, path: str | Path | None = None):
        self.path = Path(path) if path is not None else \
            paths.user_data_dir() / "history.sqlite"

    @contextmanager
    def _db(self, write: bool) -> Iterator[sqlite3.Connection | None]:
        """A connection in one transaction (committed at the end), or None when only
        reading a history that does not exist. SQLite's errors become HistoryError."""
        if not write and not self.path.exists():
            yield None
            return
        if write:
            try:
                self.path.parent.mkdir(parents=True, exist_ok=True)
            except OSError as e:
                raise HistoryError(f"{self.path}: cannot make its directory: "
                                   f"{e.strerror or e}") from None
        try:
            with closing(sqlite3.connect(self.path)) as con, con:
                self._check_schema(con)
                yield con
        except sqlite3.OperationalError as e:  # locked, unreadable, read-only...
            raise HistoryError(f"{self.path}: {e}") from None
        except sqlite3.DatabaseError as e:  # not a database, or a damaged one
            raise HistoryError(
                f"{self.path} is not a readable history database ({e}); move it aside "
                "(a new history is started in its place) or restore it from a backup"
            ) from None

    def _check_schema(self, con: sqlite3.Connection) -> None:
        version = con.execute("PRAGMA user_version").fetchone()[0]
        if version == SCHEMA_VERSION:
            return
        if version > SCHEMA_VERSION:
            raise HistoryError(f"{self.path} was written by a newer korset (history schema "
                               f"{version}, this one knows {SCHEMA_VERSION}); upgrade korset")
        tables = [r[0] for r in con.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table'")]
        if tables:
            # Someone else's SQLite file (given with --db by mistake): leave it alone.
            raise HistoryError(f"{self.path} is an SQLite database but not a Korset history "
                               f"(tables: {', '.join(tables)}); give another path")
        con.executescript(_SCHEMA)  # autocommits: the empty file becomes a history

    def add(self, analysis: Analysis, path: str | Path, *, device: str, session: int | None,
            started_unix_s: float | None, sha256: str | bytes,
            analysed_at_unix_s: float | None = None) -> SetRecord:
        """Store the analysis of the session file at ``path`` (whose SHA-256 is ``sha256``,
        hex or bytes). A file stored before keeps its id and gets this result.
        ``analysed_at_unix_s`` defaults to now."""
        digest = sha256.hex() if isinstance(sha256, bytes) else sha256.lower()
        now = time.time() if analysed_at_unix_s is None else analysed_at_unix_s
        row = {
            "device": device, "session": session, "started_unix_s": started_unix_s,
            "path": str(Path(path).resolve()), "sha256": digest,
            "exercise": str(analysis.exercise), "exercise_key": analysis.exercise_key,
            "kind": analysis.kind, "reps": analysis.reps, "holds": len(analysis.holds),
            "faults": len(analysis.faults), "analysed_at_unix_s": now,
            "analysis_json": json.dumps(analysis.to_dict()),
            "trace": analysis.trace.to_bytes() if analysis.trace is not None else None,
        }
        names = ", ".join(row)
        updates = ", ".join(f"{k} = excluded.{k}" for k in row if k != "sha256")
        with self._db(write=True) as con:
            con.execute(f"INSERT INTO sets ({names}) VALUES ({', '.join(':' + k for k in row)})"
                        f" ON CONFLICT(sha256) DO UPDATE SET {updates}", row)
            (set_id,) = con.execute("SELECT id FROM sets WHERE sha256 = ?", (digest,)).fetchone()
        return self.get(set_id)

    def sets(self, since_unix_s: float | None = None, until_unix_s: float | None = None,
             with_traces: bool = False) -> list[SetRecord]:
        """The sets from ``since_unix_s`` (inclusive) to ``until_unix_s`` (exclusive), in
        time order (``SetRecord.when_unix_s``: sets of unknown time by when analysed)."""
        where, args = [], []
        if since_unix_s is not None:
            where.append(f"{_WHEN} >= ?")
            args.append(since_unix_s)
        if until_unix_s is not None:
            where.append(f"{_WHEN} < ?")
            args.append(until_unix_s)
        trace = "trace" if with_traces else "NULL"
        sql = (f"SELECT {_COLUMNS}, {trace} FROM sets"
               + (f" WHERE {' AND '.join(where)}" if where else "")
               + f" ORDER BY {_WHEN}, id")
        with self._db(write=False) as con:
            rows = con.execute(sql, args).fetchall() if con is not None else []
        return [self._record(row) for row in rows]

    def get(self, set_id: int, with_trace: bool = True) -> SetRecord:
        """The set with this id; HistoryError if there is none."""
        trace = "trace" if with_trace else "NULL"
        with self._db(write=False) as con:
            row = con.execute(f"SELECT {_COLUMNS}, {trace} FROM sets WHERE id = ?",
                              (set_id,)).fetchone() if con is not None else None
        if row is None:
            raise HistoryError(f"no set {set_id} in the history ({self.path})")
        return self._record(row)

    def remove(self, set_id: int) -> bool:
        """Forget a set (its session file stays); whether there was one."""
        if not self.path.exists():
            return False
        with self._db(write=True) as con:
            return con.execute("DELETE FROM sets WHERE id = ?", (set_id,)).rowcount > 0

    def count(self) -> int:
        with self._db(write=False) as con:
            return con.execute("SELECT count(*) FROM sets").fetchone()[0] \
                if con is not None else 0

    def _record(self, row: tuple) -> SetRecord:
        set_id, device, session, started, path, digest, analysed_at, data, trace = row
        d = json.loads(data)
        try:
            analysis = Analysis.from_dict(
                d, trace=Trace.from_bytes(trace) if trace is not None else None)
        except (KeyError, TypeError, ValueError) as e:
            raise HistoryError(
                f"{self.path}: set {set_id} was stored by another version of korset (result "
                f"schema {d.get('schema')}: {e}); analyse {path} again to replace it") from None
        return SetRecord(set_id, device, session, started, path, analysis, digest, analysed_at)


def record_session_file(history: History, path: str | Path, analysis: Analysis,
                        analysed_at_unix_s: float | None = None) -> SetRecord:
    """Store ``analysis`` of the session file at ``path`` in ``history``, with the device,
    session number and start time from the file's header (what ``korset sync`` and
    ``korset analyze --save`` call)."""
    from korset import session as sess

    path = Path(path)
    try:
        data = path.read_bytes()
    except OSError as e:
        raise sess.SessionError(f"{path}: {e.strerror or e}") from None
    header = sess.decode(data, str(path)).header
    number = header.get("session")
    return history.add(analysis, path, device=str(header.get("device") or ""),
                       session=int(number) if number is not None else None,
                       started_unix_s=sess.start_unix_s(path, header),
                       sha256=hashlib.sha256(data).hexdigest(),
                       analysed_at_unix_s=analysed_at_unix_s)


# CSV of the history: one row per set. Date and time are local (of the start, or of
# the analysis where the board did not know the time: time_known 0).
CSV_COLUMNS = (
    "id", "date", "time", "time_known", "started_unix_s", "device", "session", "exercise",
    "exercise_key", "kind", "reps", "holds", "hold_s_mean", "faults", "time_outside_s",
    *(f"max_{axis}_deg" for axis in cat.AXES), "tempo_s",
)


def _num(value: float | None, digits: int) -> str:
    return "" if value is None else f"{value:.{digits}f}"


def csv_row(r: SetRecord) -> dict[str, object]:
    a, q, when = r.analysis, r.analysis.quality, r.when
    row: dict[str, object] = {
        "id": r.id, "date": when.date().isoformat(), "time": when.strftime("%H:%M:%S"),
        "time_known": int(r.time_known), "started_unix_s": _num(r.started_unix_s, 0),
        "device": r.device, "session": "" if r.session is None else r.session,
        "exercise": a.exercise, "exercise_key": a.exercise_key, "kind": a.kind,
        "reps": a.reps, "holds": len(a.holds), "hold_s_mean": _num(q.hold_s_mean, 2),
        "faults": len(a.faults), "time_outside_s": _num(q.time_outside_s, 2),
        "tempo_s": _num(q.tempo_s, 2),
    }
    for axis in cat.AXES:
        row[f"max_{axis}_deg"] = _num(q.max_deviation_deg.get(axis), 2)
    return row


def export_csv(history: History, out: str | Path, since_unix_s: float | None = None,
               until_unix_s: float | None = None) -> int:
    """Write the sets (filtered as ``History.sets``) to ``out`` as CSV; how many."""
    records = history.sets(since_unix_s, until_unix_s)
    try:
        with open(out, "w", newline="", encoding="utf-8") as f:
            writer = csv.DictWriter(f, fieldnames=CSV_COLUMNS)
            writer.writeheader()
            writer.writerows(csv_row(r) for r in records)
    except OSError as e:
        raise HistoryError(f"{out}: {e.strerror or e}") from None
    return len(records)
