"""Mending the history: a set not judged is never a fault-free set, one recording is one set,
a set can be deleted, duplicates are found, and no command overwrites a user's file.

A history of schema 1 (what korset wrote before recordings had their own hash)
is built here as that code built it: its schema, verbatim, and its rows as its
``History.add`` wrote them, including the duplicate that saving one CSV twice
with two tolerances made.
"""

from __future__ import annotations

import hashlib
import json
import re
import sqlite3
from datetime import datetime

import numpy as np
import pytest
from test_history import make_analysis, unjudged_analysis

from korset import session as sess
from korset.cli import main
from korset.history import SCHEMA_VERSION, History, HistoryError, export_csv
from korset.recording import Recording, write_csv
from korset.report import text_report
from korset.sessionstore import SessionStore
from korset.sim.simulate import simulate
from korsetfw import catalogue as cat

RATE_HZ = 52.0

# korset's history schema 1, as its history.py created it.
SCHEMA_1 = """
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
CREATE INDEX sets_by_time ON sets (coalesce(started_unix_s, analysed_at_unix_s));
PRAGMA user_version = 1;
"""


def local_s(*args: int) -> float:
    return datetime(*args).timestamp()


def _recording(seed: int):
    return simulate(cat.get(3), seed, rate_hz=RATE_HZ, reps=6).recording


def _v1_row(con, path, data: bytes, analysis, device, session, started, analysed_at):
    """A row as schema 1's History.add wrote it."""
    con.execute(
        "INSERT INTO sets (device, session, started_unix_s, path, sha256, exercise, "
        "exercise_key, kind, reps, holds, faults, analysed_at_unix_s, analysis_json, trace) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (device, session, started, str(path.resolve()), hashlib.sha256(data).hexdigest(),
         str(analysis.exercise), analysis.exercise_key, analysis.kind, analysis.reps,
         len(analysis.holds), len(analysis.faults), analysed_at,
         json.dumps({k: v for k, v in analysis.to_dict().items()
                     if k not in ("judged", "not_judged")}), None))


@pytest.fixture
def old_history(tmp_path):
    """A schema 1 history: one CSV saved twice (tolerance 5, then 7: two session files in
    the store, two sets), a board session, a set that could not be judged (stored as
    0 reps, 0 faults) and a set whose session file is gone."""
    store = SessionStore(tmp_path / "store")
    rec = _recording(1)
    files = []
    for tolerance in (5.0, 7.0):
        data = sess.from_recording(rec, exercise=3, tolerance_deg={"flexion": tolerance},
                                   source="walk.csv")
        files.append((store.put(data, hashlib.sha256(data).digest()), data))
    board = sess.decode(sess.from_recording(_recording(2)))
    board_data = sess.encode(board.raw, dict(board.header, exercise=3, device="b0a4d",
                                             session=12, start_unix_s=local_s(2024, 5, 2, 9)))
    board_path = store.put(board_data, hashlib.sha256(board_data).digest())
    never = sess.from_recording(_recording(3), exercise=3, source="never.csv")
    never_path = store.put(never, hashlib.sha256(never).digest())
    path = tmp_path / "history.sqlite"
    con = sqlite3.connect(path)
    con.executescript(SCHEMA_1)
    with con:
        (p5, d5), (p7, d7) = files
        _v1_row(con, p5, d5, make_analysis(faults=3), "walk.csv", 0, None,
                local_s(2024, 5, 1, 9, 0))
        _v1_row(con, p7, d7, make_analysis(faults=1), "walk.csv", 0, None,
                local_s(2024, 5, 1, 9, 5))
        _v1_row(con, board_path, board_data, make_analysis(faults=2), "b0a4d", 12,
                local_s(2024, 5, 2, 9), local_s(2024, 5, 2, 10))
        _v1_row(con, never_path, never, unjudged_analysis(), "never.csv", 0, None,
                local_s(2024, 5, 2, 11))
        gone = tmp_path / "gone.kss"
        _v1_row(con, gone, b"gone", make_analysis(faults=0), "x", 1, local_s(2024, 5, 2, 12),
                local_s(2024, 5, 2, 12))
    con.close()
    return path


def test_a_history_of_schema_1_is_read_and_brought_up_to_date(old_history):
    h = History(old_history)
    records = h.sets()
    assert [r.id for r in records] == [1, 2, 3, 4, 5]
    with sqlite3.connect(old_history) as con:
        assert con.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION == 3
        assert con.execute("SELECT id, judged, not_judged FROM sets WHERE judged = 0"
                           ).fetchall() == [(4, 0, "never_still_unjudged")]
    con.close()
    assert [r.judged for r in records] == [True, True, True, False, True]
    # The two saves of one CSV are one recording; a file that is gone matches nothing.
    assert records[0].recording_sha256 == records[1].recording_sha256 is not None
    assert len({r.recording_sha256 for r in records[:4]}) == 3
    assert records[4].recording_sha256 is None
    assert [[r.id for r in g] for g in h.duplicates()] == [[1, 2]]


def test_the_report_counts_a_recording_once_and_a_set_not_judged_not_at_all(old_history):
    text = text_report(History(old_history).sets(), "en")
    assert "4 sets on 2 days" in text  # five rows, one of them the same recording again
    progress = text.split("\nProgress\n")[1].split("\n\n")[0].splitlines()
    # Day 1: only the later save of walk.csv (1 fault), not both (4 faults).
    assert progress[0].split() == ["Day", "Sets", "judged", "Not", "judged", "Reps",
                                   "Holds", "Faults", "Faults", "per", "set", "Largest",
                                   "movement,", "mean", "per", "set"]
    assert progress[1].split()[2:] == ["1", "0", "17", "0", "1", "1.0", "11.5°"]
    # Day 2: the board's set and the file that is gone are judged; one set is not.
    assert progress[2].split()[2:] == ["2", "1", "34", "0", "2", "1.0", "11.5°"]
    assert "not judged: you were never still for a second" in text
    assert "1 of the 4 sets could not be judged" in " ".join(text.split())


def test_history_marks_duplicates_lists_them_and_deletes_a_set(old_history, capsys):
    db = ["--db", str(old_history)]
    assert main(["history", *db]) == 0
    out = capsys.readouterr().out
    assert "#1 09:00*  3 Bridge: 17 reps (target 15-20), 3 faults, max 11.5 deg flexion " \
        "[same recording as #2]" in out
    assert "[same recording as #1]" in out
    assert "day: 1 set (1 again of the same recording: not counted), 17 reps, 0 holds, " \
        "1 fault" in out
    assert "#4 11:00*  3 Bridge: not judged (you were never still" in out
    assert "'korset history --duplicates'" in out

    assert main(["history", "--duplicates", *db]) == 0
    out = capsys.readouterr().out
    assert "2 sets of one recording (the report counts #2, analysed last):" in out
    assert "  #1 2024-05-01 09:00*  3 Bridge" in out
    assert "  #2 2024-05-01 09:05*  3 Bridge" in out
    assert "walk_csv/000000.kss" in out

    assert main(["history", "--delete", "1", *db]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0] == ("deleted set #1: 2024-05-01 09:00*  3 Bridge: 17 reps (target 15-20), "
                      "3 faults, max 11.5 deg flexion")
    assert out[1].startswith("  its session file stays: ") and \
        out[1].endswith("walk_csv/000000.kss")
    assert [r.id for r in History(old_history).sets()] == [2, 3, 4, 5]
    assert main(["history", "--duplicates", *db]) == 0
    assert capsys.readouterr().out == "No recording is in the history more than once.\n"

    assert main(["history", "--delete", "1", *db]) == 1
    err = capsys.readouterr().err
    assert "no set 1 in the history" in err and "\n" == err[-1] and err.count("\n") == 1
    assert History(old_history).count() == 4


def test_delete_of_an_unknown_set_is_an_error_and_creates_no_history(tmp_path, capsys):
    db = tmp_path / "none.sqlite"
    assert main(["history", "--db", str(db), "--delete", "3"]) == 1
    assert "no set 3 in the history" in capsys.readouterr().err
    assert not db.exists()
    with pytest.raises(HistoryError, match="no set 3"):
        History(db).delete(3)


# -- saving ---------------------------------------------------------------------------------

@pytest.fixture
def where(tmp_path):
    return ["--save", "--db", str(tmp_path / "h.sqlite"), "--store", str(tmp_path / "store")]


def test_saving_a_csv_again_with_another_tolerance_replaces_its_set(tmp_path, where, capsys):
    csv = tmp_path / "walk.csv"
    write_csv(_recording(4), csv)
    assert main(["analyze", str(csv), "-e", "3", "--tolerance", "5", *where]) == 0
    first = capsys.readouterr().out.splitlines()[-1]
    assert main(["analyze", str(csv), "-e", "3", "--tolerance", "8", *where]) == 0
    again = capsys.readouterr().out.splitlines()[-1]
    (record,) = History(tmp_path / "h.sqlite").sets()
    assert record.id == 1 and record.analysis.tolerance_deg == {"flexion": 8.0}
    assert first.startswith("saved: ") and "(set #1 in " in first and "replacing" not in first
    assert "(set #1 in " in again and again.endswith(", replacing its earlier result)")
    # Both session files stay in the store; the set is the later one's.
    stored = sorted((tmp_path / "store").glob("*/*.kss"))
    assert len(stored) == 2 and record.path in {str(p.resolve()) for p in stored}
    # Another exercise is the same recording too.
    assert main(["analyze", str(csv), "-e", "6", *where]) == 0
    capsys.readouterr()
    (record,) = History(tmp_path / "h.sqlite").sets()
    assert record.analysis.exercise == 6


def test_a_set_that_cannot_be_judged_is_saved_as_not_judged(tmp_path, where, capsys):
    """A patient never still for a second: no reference is taken, nothing is judged.
    Saved, it is not a perfect set."""
    rng = np.random.default_rng(11)
    t = np.arange(0, 30, 1 / RATE_HZ)
    accel = np.tile([0.0, 0.0, 9.81], (len(t), 1)) + rng.normal(0, 1.5, (len(t), 3))
    restless = tmp_path / "restless.kss"
    restless.write_bytes(sess.from_recording(
        Recording(t, accel, rng.normal(0, 0.8, (len(t), 3))), exercise=3))
    assert main(["analyze", str(restless), *where]) == 0
    out = capsys.readouterr().out
    assert "  result    NOT JUDGED: you were never still for a second, so no reference " \
        "was taken" in out
    assert "faults" not in out and "saved: " in out and "not judged, so not counted" in out
    (record,) = History(tmp_path / "h.sqlite").sets()
    assert not record.judged and record.analysis.not_judged == "never_still_unjudged"
    assert main(["history", "--db", str(tmp_path / "h.sqlite")]) == 0
    out = capsys.readouterr().out
    assert "3 Rock back on all fours: not judged (you were never still" in out
    assert "0 faults" not in out and "day: 1 set, not judged: nothing to count" in out
    assert main(["report", "--db", str(tmp_path / "h.sqlite"), "--lang", "da"]) == 0
    out = capsys.readouterr().out
    assert "Resultat  ikke bedømt: du var aldrig i ro et helt sekund" in out
    assert not re.search(r"^\s+Fejl\s", out, re.MULTILINE)  # no faults row for the set
    assert "Ingen af sættene kunne bedømmes, så der er intet at tælle." in out


# -- outputs ------------------------------------------------------------------------------

def test_history_csv_never_overwrites_without_force_and_never_the_history(old_history,
                                                                           tmp_path, capsys):
    db = ["--db", str(old_history)]
    mine = tmp_path / "my.kss"
    mine.write_bytes(b"a user's session file")
    assert main(["history", *db, "--csv", str(mine)]) == 1
    assert f"{mine} exists: give another path, or --force" in capsys.readouterr().err
    assert mine.read_bytes() == b"a user's session file"
    with pytest.raises(Exception, match="exists"):
        export_csv(History(old_history), mine)  # what 'export --history' calls
    assert main(["export", "--history", str(mine), *db]) == 1
    assert f"{mine} exists" in capsys.readouterr().err
    assert mine.read_bytes() == b"a user's session file"
    assert main(["history", *db, "--csv", str(mine), "--force"]) == 0
    assert mine.read_text().startswith("id,date,time,")
    capsys.readouterr()
    before = old_history.read_bytes()
    assert main(["history", *db, "--csv", str(old_history), "--force"]) == 1
    assert "is also the input" in capsys.readouterr().err
    assert old_history.read_bytes() == before
    assert main(["history", *db, "--force"]) == 1
    assert "add --csv OUT" in capsys.readouterr().err


def test_report_html_never_overwrites_without_force_and_never_the_history(old_history,
                                                                          tmp_path, capsys):
    db = ["--db", str(old_history)]
    page = tmp_path / "rapport.html"
    page.write_text("the report I handed out last week")
    assert main(["report", *db, "--html", str(page)]) == 1
    assert f"{page} exists: give another path, or --force" in capsys.readouterr().err
    assert page.read_text() == "the report I handed out last week"
    assert main(["report", *db, "--html", str(page), "--force"]) == 0
    assert page.read_text().startswith("<!DOCTYPE html>")
    assert f"Wrote {page} (4 sets, " in capsys.readouterr().out
    History(old_history).sets()  # migrated: the bytes no longer change on reading
    before = old_history.read_bytes()
    assert main(["report", *db, "--html", str(old_history), "--force"]) == 1
    assert "is also the input" in capsys.readouterr().err
    assert old_history.read_bytes() == before
    assert not list(tmp_path.glob(".*.tmp"))
    assert main(["report", *db, "--force"]) == 1
    assert "add --html OUT" in capsys.readouterr().err
