"""The history of analysed sets (korset.history) and ``korset history``/``export --history``.

Results are built by hand (``make_analysis``): the history stores whatever
the analysis returns, so these tests do not depend on how it finds it.
"""

from __future__ import annotations

import csv
import hashlib
import json
import sqlite3
from datetime import date, datetime

import numpy as np
import pytest

from korset import session as sess
from korset.analysis.result import Analysis, Fault, Hold, Note, Quality, Trace
from korset.cli import main
from korset.commands._history import parse_date
from korset.history import (
    CSV_COLUMNS,
    SCHEMA_VERSION,
    History,
    HistoryError,
    by_day,
    local_day_start_unix_s,
    record_session_file,
)
from korset.recording import Recording


def local_s(*args: int) -> float:
    """UTC seconds of a local date and time (so days do not depend on the machine's zone)."""
    return datetime(*args).timestamp()


def make_analysis(exercise: int | str = 3, reps: int = 17, faults: int = 2,
                  holds: int = 0, trace: Trace | None = None) -> Analysis:
    hold = holds > 0
    return Analysis(
        exercise=exercise, exercise_key="bridge" if not hold else "breathing",
        name_en="Bridge" if not hold else "Breathing", name_da="Bro",
        kind="hold" if hold else "reps", source="x.kss", rate_hz=52.0, duration_s=60.0,
        reference_s=1.5, set_end_s=58.0, tolerance_deg={"flexion": 8.0, "lateral": 6.0},
        posture="supine", posture_expected="supine", reps=0 if hold else reps,
        rep_times_s=[] if hold else [3.0 + 2.5 * i for i in range(reps)],
        holds=[Hold(5.0 + 20 * i, 18.0 + 20 * i, 13.0) for i in range(holds)],
        faults=[Fault(10.0 + i, 10.5 + i, 9.25 + i, "flexion") for i in range(faults)],
        quality=Quality(max_deviation_deg={"flexion": 11.5, "lateral": 3.25, "rotation": 1.0},
                        time_outside_s=1.75, time_outside_pct=3.1,
                        tempo_s=None if hold else 2.5, hold_s_mean=13.0 if hold else None),
        target_reps=None if hold else (15, 20), target_hold_s=(12.0, 16.0) if hold else None,
        trace=trace)


NEVER_STILL = Note("never_still_unjudged", "the patient was never still for a second, so no "
                   "reference was taken: nothing is judged")


def unjudged_analysis(exercise: int | str = 3) -> Analysis:
    """What the analysis returns for a set it could not judge (never still): no reference,
    nothing judged, and so zero of everything."""
    a = make_analysis(exercise, reps=0, faults=0)
    a.reference_s = a.set_end_s = 0.0
    a.rep_times_s = []
    a.quality = Quality({"flexion": 0.0, "lateral": 0.0, "rotation": 0.0}, 0.0, 0.0, None,
                        None)
    a.warnings = [NEVER_STILL]
    return a


def add(h: History, sha: str, started: float | None, analysed_at: float = 1.7e9,
        analysis: Analysis | None = None, **kwargs) -> object:
    return h.add(analysis or make_analysis(**kwargs), f"/store/{sha}.kss", device="abc123",
                 session=4, started_unix_s=started, sha256=sha * 64,
                 analysed_at_unix_s=analysed_at)


def small_recording() -> Recording:
    t = np.arange(26) / 52.0
    accel = np.tile([0.0, 0.0, 9.81], (26, 1))
    return Recording(t, accel, np.zeros((26, 3)))


def session_file(path, **header) -> bytes:
    """A real session file at ``path``: a short still recording with these header keys."""
    s = sess.decode(sess.from_recording(small_recording()))
    data = sess.encode(s.raw, dict(s.header, **header))
    path.write_bytes(data)
    return data


# -- the store -----------------------------------------------------------------------------

def test_adding_the_same_file_again_replaces_its_result(tmp_path):
    h = History(tmp_path / "deep" / "history.sqlite")
    first = add(h, "a", local_s(2024, 5, 1, 9, 0), reps=15)
    again = add(h, "a", local_s(2024, 5, 1, 9, 0), reps=18, analysed_at=1.8e9)
    assert h.count() == 1 and again.id == first.id
    (stored,) = h.sets()
    assert stored.analysis.reps == 18 and stored.analysed_at_unix_s == 1.8e9
    assert stored.sha256 == "a" * 64
    assert stored.analysis.to_dict() == make_analysis(reps=18).to_dict()
    add(h, "b", local_s(2024, 5, 1, 9, 5))
    assert h.count() == 2


def test_sets_are_ordered_by_time_and_grouped_by_local_day(tmp_path):
    h = History(tmp_path / "h.sqlite")
    add(h, "c", local_s(2024, 5, 2, 8, 0))
    add(h, "a", local_s(2024, 5, 1, 21, 30))
    # The board's clock was unknown: placed at its analysis, the morning of 1 May.
    add(h, "u", None, analysed_at=local_s(2024, 5, 1, 7, 0))
    add(h, "b", local_s(2024, 5, 1, 23, 59, 59))
    records = h.sets()
    assert [r.sha256[0] for r in records] == ["u", "a", "b", "c"]
    assert not records[0].time_known and records[0].started_unix_s is None
    days = by_day(records)
    assert list(days) == [date(2024, 5, 1), date(2024, 5, 2)]
    assert [r.sha256[0] for r in days[date(2024, 5, 1)]] == ["u", "a", "b"]


def test_since_and_until_filter_on_the_sets_time(tmp_path):
    h = History(tmp_path / "h.sqlite")
    add(h, "a", local_s(2024, 5, 1, 9, 0))
    add(h, "b", local_s(2024, 5, 2, 9, 0))
    add(h, "u", None, analysed_at=local_s(2024, 5, 3, 9, 0))
    day2 = local_day_start_unix_s(date(2024, 5, 2))
    day3 = local_day_start_unix_s(date(2024, 5, 3))
    assert [r.sha256[0] for r in h.sets(since_unix_s=day2)] == ["b", "u"]
    assert [r.sha256[0] for r in h.sets(until_unix_s=day2)] == ["a"]
    assert [r.sha256[0] for r in h.sets(since_unix_s=day2, until_unix_s=day3)] == ["b"]


def test_a_trace_comes_back_from_the_database(tmp_path):
    h = History(tmp_path / "h.sqlite")
    trace = Trace(10.0, 1.5, {"flexion": np.array([0.0, 1.25, -3.5, 320.0]),
                              "rotation": np.array([0.01, 0.0, 2.0, -1.0])})
    stored = add(h, "t", 1.7e9, trace=trace)
    add(h, "n", 1.7e9 + 60)
    assert h.get(stored.id).analysis.trace is not None
    with_traces = h.sets(with_traces=True)
    back = with_traces[0].analysis.trace
    assert back.rate_hz == 10.0 and back.t0_s == 1.5 and list(back.columns) == \
        ["flexion", "rotation"]
    np.testing.assert_allclose(back.columns["flexion"], trace.columns["flexion"], atol=0.005)
    np.testing.assert_allclose(back.t, [1.5, 1.6, 1.7, 1.8])
    assert with_traces[1].analysis.trace is None  # stored without one
    assert h.sets()[0].analysis.trace is None  # not loaded unless asked for


def test_get_and_remove(tmp_path):
    h = History(tmp_path / "h.sqlite")
    r = add(h, "a", 1.7e9)
    assert h.get(r.id).path == "/store/" + "a" + ".kss"
    assert h.remove(r.id) and not h.remove(r.id)
    with pytest.raises(HistoryError, match=f"no set {r.id}"):
        h.get(r.id)


def test_reading_a_history_that_does_not_exist_creates_nothing(tmp_path):
    h = History(tmp_path / "none" / "h.sqlite")
    assert h.sets() == [] and h.count() == 0
    assert not (tmp_path / "none").exists()


def test_a_new_history_has_the_schema_version(tmp_path):
    path = tmp_path / "h.sqlite"
    add(History(path), "a", 1.7e9)
    with sqlite3.connect(path) as con:
        assert con.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    con.close()


def test_a_deleted_sets_number_is_never_given_to_another(tmp_path):
    h = History(tmp_path / "h.sqlite")
    first, second = add(h, "a", 1.7e9), add(h, "b", 1.7e9 + 60)
    h.delete(second.id)  # the last set: SQLite would give its rowid out again
    third = add(h, "c", 1.7e9 + 120)
    assert third.id not in (first.id, second.id) and third.id > second.id
    assert [r.id for r in h.sets()] == [first.id, third.id]


# Schema 2, as korset wrote it before set ids were AUTOINCREMENT.
SCHEMA_2 = """
CREATE TABLE sets (
    id INTEGER PRIMARY KEY, device TEXT NOT NULL, session INTEGER, started_unix_s REAL,
    path TEXT NOT NULL, sha256 TEXT NOT NULL UNIQUE, exercise TEXT NOT NULL,
    exercise_key TEXT NOT NULL, kind TEXT NOT NULL, reps INTEGER NOT NULL,
    holds INTEGER NOT NULL, faults INTEGER NOT NULL, analysed_at_unix_s REAL NOT NULL,
    analysis_json TEXT NOT NULL, trace BLOB, recording_sha256 TEXT,
    judged INTEGER NOT NULL DEFAULT 1, not_judged TEXT
);
CREATE INDEX sets_by_time ON sets (coalesce(started_unix_s, analysed_at_unix_s));
CREATE INDEX sets_by_recording ON sets (recording_sha256);
PRAGMA user_version = 2;
"""


def test_a_history_of_schema_2_keeps_its_sets_and_ids_and_reuses_none(tmp_path):
    path = tmp_path / "h.sqlite"
    with sqlite3.connect(path) as con:
        con.executescript(SCHEMA_2)
        for set_id, sha in ((3, "a"), (7, "b")):
            a = make_analysis(reps=10 + set_id)
            con.execute(
                "INSERT INTO sets (id, device, session, started_unix_s, path, sha256, "
                "exercise, exercise_key, kind, reps, holds, faults, analysed_at_unix_s, "
                "analysis_json, recording_sha256) VALUES (?, 'abc123', 4, ?, ?, ?, '3', "
                "'bridge', 'reps', ?, 0, 2, 1.7e9, ?, ?)",
                (set_id, 1.7e9 + set_id, f"/store/{sha}.kss", sha * 64, a.reps,
                 json.dumps(a.to_dict()), sha * 64))
    con.close()
    h = History(path)
    assert [(r.id, r.analysis.reps) for r in h.sets()] == [(3, 13), (7, 17)]
    with sqlite3.connect(path) as con:
        assert con.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
        indexes = {r[0] for r in con.execute(
            "SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'sets'")}
    con.close()
    assert {"sets_by_time", "sets_by_recording"} <= indexes
    h.delete(7)
    assert add(h, "c", 1.8e9).id == 8


@pytest.mark.parametrize("content", [b"this is not a database\n" * 100,
                                     b"SQLite format 3\x00" + b"\xff" * 4000])
def test_a_corrupt_file_is_an_error_and_is_left_alone(tmp_path, content):
    path = tmp_path / "history.sqlite"
    path.write_bytes(content)
    h = History(path)
    for action in (h.sets, h.count, lambda: add(h, "a", 1.7e9)):
        with pytest.raises(HistoryError) as e:
            action()
        message = str(e.value)
        assert str(path) in message and "move it aside" in message and "\n" not in message
    assert path.read_bytes() == content


def test_another_programs_database_is_not_taken_over(tmp_path):
    path = tmp_path / "other.sqlite"
    with sqlite3.connect(path) as con:
        con.execute("CREATE TABLE notes (text TEXT)")
    con.close()
    before = path.read_bytes()
    with pytest.raises(HistoryError, match="not a Korset history"):
        add(History(path), "a", 1.7e9)
    assert path.read_bytes() == before


def test_a_history_from_a_newer_korset_is_refused(tmp_path):
    path = tmp_path / "h.sqlite"
    with sqlite3.connect(path) as con:
        con.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    con.close()
    with pytest.raises(HistoryError, match="newer korset"):
        History(path).sets()


def test_recording_a_session_file_takes_its_header_and_hash(tmp_path):
    h = History(tmp_path / "h.sqlite")
    path = tmp_path / "000007.kss"
    data = session_file(path, device="e66130100f3c5a2b", session=7, start_unix_s=1714550400)
    r = record_session_file(h, path, make_analysis(), analysed_at_unix_s=1.8e9)
    assert (r.device, r.session, r.started_unix_s) == ("e66130100f3c5a2b", 7, 1714550400)
    assert r.sha256 == hashlib.sha256(data).hexdigest() and r.path == str(path.resolve())
    # An imported recording: no clock, the "recording" pseudo-device.
    imported = tmp_path / "imported.kss"
    imported.write_bytes(sess.from_recording(small_recording()))
    r2 = record_session_file(h, imported, make_analysis(), analysed_at_unix_s=1.8e9)
    assert r2.started_unix_s is None and r2.session == 0 and r2.when_unix_s == 1.8e9
    assert record_session_file(h, path, make_analysis(reps=19)).id == r.id
    assert h.count() == 2


# -- the command ---------------------------------------------------------------------------

@pytest.fixture
def home(tmp_path, monkeypatch):
    monkeypatch.setenv("KORSET_HOME", str(tmp_path / "home"))
    return tmp_path / "home"


def fill(home) -> History:
    h = History()
    assert h.path == home / "history.sqlite"
    add(h, "a", local_s(2024, 5, 1, 9, 0), reps=17, faults=2)
    add(h, "b", local_s(2024, 5, 1, 9, 12), exercise=1, holds=10, faults=0)
    add(h, "u", None, analysed_at=local_s(2024, 5, 2, 18, 30), exercise="free", reps=5,
        faults=1)
    return h


def test_empty_history_says_how_to_fill_it(home, capsys):
    assert main(["history"]) == 0
    out = capsys.readouterr().out
    assert "No sets in the history yet" in out and "korset sync" in out \
        and "korset analyze FILE --save" in out
    assert not home.exists()


def test_history_lists_sets_by_day(home, capsys):
    fill(home)
    assert main(["history"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].startswith("2024-05-01 ")
    # Each set with its number (for --delete).
    assert lines[1] == ("  #1 09:00   3 Bridge: 17 reps (target 15-20), 2 faults, "
                        "max 11.5 deg flexion")
    assert lines[2] == ("  #2 09:12   1 Breathing: 10 holds, mean 13.0 s (target 12-16 s), "
                        "0 faults, max 11.5 deg flexion")
    assert lines[3] == "  day: 2 sets, 17 reps, 10 holds, 2 faults"
    assert lines[4] == ""
    assert lines[5].startswith("2024-05-02 ")
    # Not a catalogue number; time of analysis, marked.
    assert lines[6] == ("  #3 18:30* Bridge: 5 reps (target 15-20), 1 fault, "
                        "max 11.5 deg flexion")
    assert lines[7] == "  day: 1 set, 5 reps, 0 holds, 1 fault"
    assert lines[-1].startswith("* the board's clock was not set")


def test_history_filters_by_day(home, capsys):
    fill(home)
    assert main(["history", "--since", "2024-05-02"]) == 0
    out = capsys.readouterr().out
    assert "2024-05-01" not in out and "18:30*" in out
    assert main(["history", "--until", "2024-05-01", "--json"]) == 0
    assert [s["time"] for s in json.loads(capsys.readouterr().out)] == ["09:00:00", "09:12:00"]
    assert main(["history", "--since", "2030-01-01"]) == 0
    assert "No sets in that time (3 in the history)" in capsys.readouterr().out


def test_history_json(home, capsys):
    fill(home)
    assert main(["history", "--json"]) == 0
    sets = json.loads(capsys.readouterr().out)
    assert [s["date"] for s in sets] == ["2024-05-01", "2024-05-01", "2024-05-02"]
    assert sets[2]["time_known"] is False and sets[2]["started_unix_s"] is None
    assert sets[0]["device"] == "abc123" and sets[0]["session"] == 4
    assert sets[0]["judged"] is True and sets[0]["analysis"]["judged"] is True
    assert Analysis.from_dict(sets[1]["analysis"]).to_dict() == \
        make_analysis(exercise=1, holds=10, faults=0).to_dict()


@pytest.mark.parametrize("command", [["history", "--csv"], ["export", "--history"]])
def test_history_csv(home, tmp_path, capsys, command):
    fill(home)
    out = tmp_path / "sets.csv"
    assert main([*command, str(out)]) == 0
    assert capsys.readouterr().out.strip() == f"{out}: 3 set(s)"
    with open(out, newline="") as f:
        reader = csv.DictReader(f)
        assert tuple(reader.fieldnames) == CSV_COLUMNS
        rows = list(reader)
    assert [(r["date"], r["time"]) for r in rows] == [
        ("2024-05-01", "09:00:00"), ("2024-05-01", "09:12:00"), ("2024-05-02", "18:30:00")]
    reps, hold, unknown = rows
    assert reps["exercise"] == "3" and reps["exercise_key"] == "bridge"
    assert reps["kind"] == "reps" and reps["reps"] == "17" and reps["holds"] == "0"
    assert reps["faults"] == "2" and reps["hold_s_mean"] == "" and reps["tempo_s"] == "2.50"
    assert float(reps["time_outside_s"]) == 1.75
    assert (float(reps["max_flexion_deg"]), float(reps["max_lateral_deg"]),
            float(reps["max_rotation_deg"])) == (11.5, 3.25, 1.0)
    assert reps["device"] == "abc123" and reps["session"] == "4"
    assert reps["time_known"] == "1" and float(reps["started_unix_s"]) == \
        local_s(2024, 5, 1, 9, 0)
    assert hold["kind"] == "hold" and hold["holds"] == "10" and hold["hold_s_mean"] == "13.00"
    assert hold["tempo_s"] == ""
    assert unknown["exercise"] == "free" and unknown["time_known"] == "0"
    assert unknown["started_unix_s"] == ""


def test_a_set_not_judged_is_never_a_fault_free_set(home, tmp_path, capsys):
    """Never still: the analysis judged nothing, so its zero faults and 0.0 degrees mean
    nothing. The history says so and why, keeps it out of the day's counts, and the CSV
    leaves its figures empty."""
    h = fill(home)
    add(h, "n", local_s(2024, 5, 1, 10, 0), analysis=unjudged_analysis())
    (record,) = [r for r in h.sets() if r.sha256[0] == "n"]
    assert not record.judged and record.analysis.not_judged == "never_still_unjudged"
    with sqlite3.connect(h.path) as con:
        assert con.execute("SELECT judged, not_judged FROM sets WHERE id = ?",
                           (record.id,)).fetchone() == (0, "never_still_unjudged")
    con.close()
    assert main(["history", "--until", "2024-05-01"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[3] == ("  #4 10:00   3 Bridge: not judged (you were never still for a "
                        "second, so no reference was taken)")
    assert lines[4] == "  day: 3 sets (1 not judged: not counted), 17 reps, 10 holds, 2 faults"
    out = tmp_path / "sets.csv"
    assert main(["history", "--csv", str(out)]) == 0
    capsys.readouterr()
    with open(out, newline="") as f:
        rows = {r["id"]: r for r in csv.DictReader(f)}
    unjudged, judged = rows[str(record.id)], rows["1"]
    assert unjudged["judged"] == "0" and "never still" in unjudged["not_judged"]
    for column in ("reps", "holds", "faults", "time_outside_s", "max_flexion_deg"):
        assert unjudged[column] == "", column
    assert judged["judged"] == "1" and judged["not_judged"] == "" and judged["faults"] == "2"
    assert main(["history", "--json"]) == 0
    (listed,) = [s for s in json.loads(capsys.readouterr().out) if s["id"] == record.id]
    assert listed["judged"] is False
    assert listed["analysis"]["not_judged"] == "never_still_unjudged"


def test_history_csv_filters_by_day(home, tmp_path, capsys):
    fill(home)
    out = tmp_path / "sets.csv"
    assert main(["history", "--since", "2024-05-02", "--csv", str(out)]) == 0
    with open(out, newline="") as f:
        assert [r["date"] for r in csv.DictReader(f)] == ["2024-05-02"]


def test_a_corrupt_history_is_one_line_from_the_command(home, capsys):
    home.mkdir()
    (home / "history.sqlite").write_bytes(b"not a database" * 100)
    assert main(["history"]) == 1
    err = capsys.readouterr().err.strip()
    assert err.startswith("korset history: ") and "\n" not in err and "move it aside" in err


def test_export_wants_a_path_or_history(home, tmp_path, capsys):
    assert main(["export", "--csv", str(tmp_path / "x.csv")]) == 1
    assert "give a session file" in capsys.readouterr().err
    assert main(["export", "x.kss", "--history", str(tmp_path / "x.csv")]) == 1
    assert "drop x.kss" in capsys.readouterr().err


def test_dates_are_days_or_the_last_n_days():
    assert parse_date("2024-05-01") == date(2024, 5, 1)
    assert parse_date("1d", today=date(2024, 5, 10)) == date(2024, 5, 10)
    assert parse_date("7d", today=date(2024, 5, 10)) == date(2024, 5, 4)
    for bad in ("0d", "yesterday", "2024-13-01"):
        with pytest.raises(Exception, match="Nd"):
            parse_date(bad)


def test_a_bad_date_is_a_usage_error(home, capsys):
    with pytest.raises(SystemExit) as e:
        main(["history", "--since", "last week"])
    assert e.value.code == 2 and "not a date" in capsys.readouterr().err
