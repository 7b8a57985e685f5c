"""The host's history of sets: an SQLite index of analysed sessions beside their files.

One row per analysed set (table ``sets``), keyed by the SHA-256 of its
session file and by the SHA-256 of its recording (``recording_sha256``: the
samples and their rate, not the header): analysing the same file again, or
the same recording stored as another session file (a CSV saved again with
another exercise or tolerance), replaces its result instead of adding a
second row, and keeps the row's id. Ids are never given out again, not even
the last one after it was deleted (schema 3). A row keeps what listings need as columns
(device, session number, start time, exercise, counts, whether the set could
be judged and why not) and the whole result as ``Analysis.to_dict()`` JSON,
with its ``Trace`` as a BLOB. A set that could not be judged
(``Analysis.not_judged``) has no counts worth adding up: the history and the
reports show it as not judged, with the reason, never as a fault-free set.
How sure the analysis is of a count (``reps_confident``, ``reps_range``,
``holds_confident``: result schema 2) is in the result's JSON, so it needs no
column and no migration: a result stored before (result schema 1) loads with
them None and is shown as it always was.

Histories written before recordings had their own hash (schema 1) may hold
one recording twice: ``History.duplicates`` finds them, ``History.delete``
removes a set, and ``distinct`` keeps each recording once (its latest
result) for what counts sets.

Time: a set's time is when the board started it (``started_unix_s``, UTC
seconds). A board whose clock was never set does not know it; such a set is
ordered, filtered and grouped by when it was analysed instead
(``SetRecord.when_unix_s``, ``SetRecord.time_known``). Days are local
calendar days.

The database uses SQLite's default rollback journal, not WAL: the history is
written rarely and by one command at a time, and WAL's two side files
(``-wal``, ``-shm``) break on network and synced folders, where a
``$KORSET_HOME`` may well live. The schema's version is ``PRAGMA
user_version``; a history of an older schema is brought up to date when it
is opened (in one transaction: all or nothing). A file that is not a readable
history raises ``HistoryError`` and is never changed or deleted.
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

SCHEMA_VERSION = 3  # PRAGMA user_version of a history this code writes

# A set's time for ordering, filtering and days: its start, else when it was analysed.
_WHEN = "coalesce(started_unix_s, analysed_at_unix_s)"

# ``id`` is AUTOINCREMENT: a set's number is never given to another set, not even after
# the last set was deleted (a physiotherapist's note "set 12 looked wrong" keeps meaning
# that set).
_TABLE = """
CREATE TABLE {name} (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
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
    trace BLOB,
    recording_sha256 TEXT,
    judged INTEGER NOT NULL DEFAULT 1,
    not_judged TEXT
)"""
_INDEXES = (f"CREATE INDEX sets_by_time ON sets ({_WHEN})",
            "CREATE INDEX sets_by_recording ON sets (recording_sha256)")
_SCHEMA = ";\n".join([_TABLE.format(name="sets"), *_INDEXES,
                      f"PRAGMA user_version = {SCHEMA_VERSION}"]) + ";"

# Schema 1 -> 2: the recording's hash (NULL where its session file is gone) and whether
# the set was judged (filled in from each row's result by _migrate).
_MIGRATE_1 = (
    "ALTER TABLE sets ADD COLUMN recording_sha256 TEXT",
    "ALTER TABLE sets ADD COLUMN judged INTEGER NOT NULL DEFAULT 1",
    "ALTER TABLE sets ADD COLUMN not_judged TEXT",
    "CREATE INDEX sets_by_recording ON sets (recording_sha256)",
)

# Schema 2 -> 3: the table rebuilt with ids never reused (SQLite cannot add AUTOINCREMENT
# to a table: a new table, the rows copied with their ids, the old one dropped; the
# procedure of https://www.sqlite.org/lang_altertable.html section 7).
_ALL_COLUMNS = ("id, device, session, started_unix_s, path, sha256, exercise, exercise_key, "
                "kind, reps, holds, faults, analysed_at_unix_s, analysis_json, trace, "
                "recording_sha256, judged, not_judged")
_MIGRATE_2 = (
    _TABLE.format(name="sets_rebuilt"),
    f"INSERT INTO sets_rebuilt ({_ALL_COLUMNS}) SELECT {_ALL_COLUMNS} FROM sets",
    "DROP TABLE sets",
    "ALTER TABLE sets_rebuilt RENAME TO sets",
    *_INDEXES,
)

_COLUMNS = ("id, device, session, started_unix_s, path, sha256, analysed_at_unix_s, "
            "analysis_json, recording_sha256")


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
    recording_sha256: str | None = None  # of its recording (``recording_digest``), hex
    replaced: tuple[int, ...] = ()  # from ``add``: the sets this result replaced, by id

    @property
    def judged(self) -> bool:
        """Whether the analysis could judge the set (``Analysis.not_judged``)."""
        return self.analysis.judged

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


def distinct(records: list[SetRecord]) -> list[SetRecord]:
    """``records`` with each recording once: of sets of the same recording (a history of
    schema 1 may hold some), the one analysed last; the order is kept."""
    latest: dict[str, SetRecord] = {}
    for r in records:
        if r.recording_sha256 is None:
            continue
        kept = latest.get(r.recording_sha256)
        if kept is None or (r.analysed_at_unix_s, r.id) > (kept.analysed_at_unix_s, kept.id):
            latest[r.recording_sha256] = r
    return [r for r in records if r.recording_sha256 is None
            or latest[r.recording_sha256] is r]


# What makes a recording the one it is: who recorded it, when, how, and its samples; not
# what it was stored for (the exercise, the tolerance, the events).
_RECORDING_KEYS = ("device", "session", "start_unix_s", "rate_hz", "accel_g_per_lsb",
                   "gyro_dps_per_lsb", "alignment")


def recording_digest(data: bytes, name: str = "session") -> str:
    """SHA-256 (hex) of the recording in a session file's bytes: the board (for a CSV,
    the file's name), session number and start, rate, scales and mounting, and the
    samples; not the exercise and tolerance it was stored for. A CSV saved as another
    exercise or with another tolerance is another session file of the same recording."""
    from korset import session as sess

    s = sess.decode(data, name)
    h = hashlib.sha256()
    h.update(json.dumps([s.header.get(k) for k in _RECORDING_KEYS]).encode())
    h.update(s.index.astype("<i8").tobytes())
    h.update(s.raw.astype("<i2").tobytes())
    return h.hexdigest()


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
        if version in (1, 2):
            self._migrate(con, version)
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

    def _migrate(self, con: sqlite3.Connection, version: int) -> None:
        """Schema 1 or 2 -> 3, in one transaction (a failure leaves the file as it was)."""
        try:
            con.execute("BEGIN IMMEDIATE")
        except sqlite3.OperationalError as e:
            raise HistoryError(f"{self.path} is a history of an older korset and must be "
                               f"brought up to date, which needs to write it ({e})") from None
        try:
            if version == 1:
                self._migrate_1(con)
            for statement in _MIGRATE_2:
                con.execute(statement)
            con.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
            con.commit()
        except BaseException:
            con.rollback()
            raise

    @staticmethod
    def _migrate_1(con: sqlite3.Connection) -> None:
        """Schema 1 -> 2: the new columns, filled in from each row's result and file."""
        for statement in _MIGRATE_1:
            con.execute(statement)
        rows = con.execute("SELECT id, path, analysis_json FROM sets").fetchall()
        for set_id, path, data in rows:
            judged, reason = 1, None
            try:
                a = Analysis.from_dict(json.loads(data))
                judged, reason = int(a.judged), a.not_judged
            except (KeyError, TypeError, ValueError):
                pass  # another version's result: _record says so when it is read
            digest = None
            try:
                digest = recording_digest(Path(path).read_bytes(), path)
            except (OSError, KorsetError):
                pass  # its session file is gone or damaged: not matched with others
            con.execute("UPDATE sets SET judged = ?, not_judged = ?, recording_sha256 = ? "
                        "WHERE id = ?", (judged, reason, digest, set_id))

    def add(self, analysis: Analysis, path: str | Path, *, device: str, session: int | None,
            started_unix_s: float | None, sha256: str | bytes,
            analysed_at_unix_s: float | None = None,
            recording_sha256: str | None = None) -> SetRecord:
        """Store the analysis of the session file at ``path`` (whose SHA-256 is ``sha256``,
        hex or bytes; ``recording_sha256``: of its recording, ``recording_digest``). The
        set stored before for the same file or the same recording keeps its id and gets
        this result; any other set of them is removed (``SetRecord.replaced`` lists
        them all). ``analysed_at_unix_s`` defaults to now."""
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
            "recording_sha256": recording_sha256, "judged": int(analysis.judged),
            "not_judged": analysis.not_judged,
        }
        with self._db(write=True) as con:
            # The same file first, then the oldest set of the same recording.
            same = [i for (i,) in con.execute(
                "SELECT id FROM sets WHERE sha256 = :sha256 OR (:recording_sha256 IS NOT NULL "
                "AND recording_sha256 = :recording_sha256) ORDER BY sha256 = :sha256 DESC, id",
                row)]
            if same:
                set_id, *others = same
                con.executemany("DELETE FROM sets WHERE id = ?", [(i,) for i in others])
                con.execute(f"UPDATE sets SET {', '.join(f'{k} = :{k}' for k in row)} "
                            "WHERE id = :id", {**row, "id": set_id})
            else:
                set_id = con.execute(
                    f"INSERT INTO sets ({', '.join(row)}) "
                    f"VALUES ({', '.join(':' + k for k in row)})", row).lastrowid
        record = self.get(set_id)
        record.replaced = tuple(same)
        return record

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

    def delete(self, set_id: int) -> SetRecord:
        """Forget the set with this id (its session file stays) and return it;
        HistoryError if there is none."""
        record = self.get(set_id, with_trace=False)
        self.remove(set_id)
        return record

    def duplicates(self) -> list[list[SetRecord]]:
        """Sets of the same recording (a history of schema 1 may hold them), each group in
        time order, the groups by their first set."""
        groups: dict[str, list[SetRecord]] = {}
        for r in self.sets():
            if r.recording_sha256 is not None:
                groups.setdefault(r.recording_sha256, []).append(r)
        return [g for g in groups.values() if len(g) > 1]

    def count(self) -> int:
        with self._db(write=False) as con:
            return con.execute("SELECT count(*) FROM sets").fetchone()[0] \
                if con is not None else 0

    def _record(self, row: tuple) -> SetRecord:
        set_id, device, session, started, path, digest, analysed_at, data, recording, trace \
            = row
        d = json.loads(data)
        try:
            analysis = Analysis.from_dict(
                d, trace=Trace.from_bytes(trace) if trace is not None else None)
        except (KeyError, TypeError, ValueError) as e:
            raise HistoryError(
                f"{self.path}: set {set_id} was stored by another version of korset (result "
                f"schema {d.get('schema')}: {e}); analyse {path} again to replace it") from None
        return SetRecord(set_id, device, session, started, path, analysis, digest, analysed_at,
                         recording)


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
                       analysed_at_unix_s=analysed_at_unix_s,
                       recording_sha256=recording_digest(data, str(path)))


# CSV of the history: one row per set. Date and time are local (of the start, or of
# the analysis where the board did not know the time: time_known 0). A set that could not
# be judged has judged 0, the reason in not_judged, and no counts or figures (empty cells,
# not zeros: it is not a fault-free set). reps_confident and holds_confident are 1 or 0,
# reps_low and reps_high the counts the recording allows; all empty for a result stored
# before counts carried their confidence.
CSV_COLUMNS = (
    "id", "date", "time", "time_known", "started_unix_s", "device", "session", "exercise",
    "exercise_key", "kind", "reps", "holds", "hold_s_mean", "faults", "time_outside_s",
    *(f"max_{axis}_deg" for axis in cat.AXES), "tempo_s", "judged", "not_judged",
    "reps_confident", "reps_low", "reps_high", "holds_confident",
)
_FIGURES = ("reps", "holds", "hold_s_mean", "faults", "time_outside_s",
            *(f"max_{axis}_deg" for axis in cat.AXES), "tempo_s", "reps_confident",
            "reps_low", "reps_high", "holds_confident")


def _flag(value: bool | None) -> object:
    return "" if value is None else int(value)


def _num(value: float | None, digits: int) -> str:
    return "" if value is None else f"{value:.{digits}f}"


def csv_row(r: SetRecord) -> dict[str, object]:
    from korset.report.language import Language

    a, q, when = r.analysis, r.analysis.quality, r.when
    row: dict[str, object] = {
        "id": r.id, "date": when.date().isoformat(), "time": when.strftime("%H:%M:%S"),
        "time_known": int(r.time_known), "started_unix_s": _num(r.started_unix_s, 0),
        "device": r.device, "session": "" if r.session is None else r.session,
        "exercise": a.exercise, "exercise_key": a.exercise_key, "kind": a.kind,
        "reps": a.reps, "holds": len(a.holds), "hold_s_mean": _num(q.hold_s_mean, 2),
        "faults": len(a.faults), "time_outside_s": _num(q.time_outside_s, 2),
        "tempo_s": _num(q.tempo_s, 2), "judged": int(a.judged), "not_judged": "",
        "reps_confident": _flag(a.reps_confident), "holds_confident": _flag(a.holds_confident),
        "reps_low": "" if a.reps_range is None else a.reps_range[0],
        "reps_high": "" if a.reps_range is None else a.reps_range[1],
    }
    for axis in cat.AXES:
        row[f"max_{axis}_deg"] = _num(q.max_deviation_deg.get(axis), 2)
    if not a.judged:
        row.update(dict.fromkeys(_FIGURES, ""), not_judged=Language("en").not_judged(a))
    return row


def export_csv(history: History, out: str | Path, since_unix_s: float | None = None,
               until_unix_s: float | None = None, *, force: bool = False) -> int:
    """Write the sets (filtered as ``History.sets``) to ``out`` as CSV; how many. An
    existing ``out`` is replaced only with ``force``, the history itself never
    (``korset.commands._outputs``); the file is written whole or not at all."""
    from korset.commands import _outputs

    out = Path(out)
    _outputs.check([out], inputs=[history.path], force=force)
    records = history.sets(since_unix_s, until_unix_s)

    def produce(tmp: Path) -> None:
        with open(tmp, "w", newline="", encoding="utf-8") as f:
            writer = csv.DictWriter(f, fieldnames=CSV_COLUMNS)
            writer.writeheader()
            writer.writerows(csv_row(r) for r in records)

    _outputs.write(out, produce)
    return len(records)
