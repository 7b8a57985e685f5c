"""Every consumer of an Analysis says how sure the count is (issue 15).

The sets are simulated and analysed, then given the confidence an analysis may
report (``dataclasses.replace``): the text and HTML reports, ``korset analyze``
and ``korset history`` must say "about" or "could not be counted reliably" and
never give such a count as exact, nor call a target reached on it. A result
stored before counts carried their confidence (result schema 1: no keys) loads
with None and is shown exactly as before.
"""

from __future__ import annotations

import dataclasses
import json
import re
import sqlite3
import types
from datetime import UTC, datetime

import pytest

from korset.analysis import analyze
from korset.analysis.result import Analysis
from korset.cli import main
from korset.history import CSV_COLUMNS, History, SetRecord, csv_row
from korset.report import figures as fig
from korset.report import html_report, text_report
from korset.sim import simulate
from korsetfw import catalogue as cat

DAY1 = datetime(2025, 3, 3, 9, 0, tzinfo=UTC)
DAY2 = datetime(2025, 3, 4, 9, 0, tzinfo=UTC)
GENERATED = datetime(2025, 3, 6, 12, 0, tzinfo=UTC)
# The history lists local days: its sets are at local times.
LOCAL1 = datetime(2025, 3, 3, 9, 0)
LOCAL2 = datetime(2025, 3, 4, 9, 0)
KEYS = ("reps_confident", "reps_range", "holds_confident")


@pytest.fixture(scope="module")
def reps_set() -> Analysis:
    """Exercise 3 (target 15-20), 16 repetitions, analysed as the board records it; the
    count is set here, so that the test does not hang on the counting."""
    ex = cat.get(3)
    sim = simulate(ex, 7, rate_hz=52.0, reps=16)
    a = analyze(sim.recording, ex, end_s=sim.truth["set_end_s"])
    assert a.judged and a.target_reps == (15, 20)
    return dataclasses.replace(a, reps=16, reps_confident=True, reps_range=(16, 16))


@pytest.fixture(scope="module")
def hold_set() -> Analysis:
    """Exercise 1 (holds of 12-16 s), analysed; its holds are taken as found."""
    ex = cat.get(1)
    sim = simulate(ex, 7, rate_hz=52.0)
    a = analyze(sim.recording, ex, end_s=sim.truth["set_end_s"])
    assert a.judged and a.holds and a.target_hold_s
    return dataclasses.replace(a, holds_confident=True)


def _about(a: Analysis, low: int, high: int) -> Analysis:
    return dataclasses.replace(a, reps_confident=False, reps_range=(low, high))


def _record(set_id: int, when: datetime, a: Analysis) -> SetRecord:
    return SetRecord(set_id, "board-1", set_id, when.timestamp(), f"/store/{set_id}.kss", a)


def _old(a: Analysis) -> Analysis:
    """``a`` as a korset before issue 15 stored it: schema 1, without the keys."""
    d = a.to_dict()
    for key in KEYS:
        d.pop(key)
    d["schema"] = 1
    return Analysis.from_dict(json.loads(json.dumps(d)), trace=a.trace)


def _text(records, lang="en") -> str:
    return text_report(records, lang, tz=UTC)


def _words(page: str) -> str:
    """An HTML page's text (its tags and styles dropped), runs of white space single."""
    page = re.sub(r"<style>.*?</style>", " ", page, flags=re.S)
    return " ".join(re.sub(r"<[^>]+>", " ", page).split())


# -- how a count is told -------------------------------------------------------------------

@pytest.mark.parametrize("confident, span, reps, how", [
    (None, None, 15, fig.EXACT),  # stored before: as it always was
    (None, (3, 30), 15, fig.EXACT),
    (True, (15, 15), 15, fig.EXACT),
    (False, (14, 16), 15, fig.ABOUT),
    (False, (15, 15), 15, fig.ABOUT),
    (False, (3, 5), 4, fig.ABOUT),  # 2 apart: close at any count
    (False, (2, 5), 4, fig.UNCOUNTED),  # 3 apart for 4
    (False, (18, 23), 20, fig.ABOUT),  # a quarter of 20
    (False, (18, 24), 20, fig.UNCOUNTED),
    (False, (0, 1), 1, fig.UNCOUNTED),  # maybe nothing was done at all
    (False, (0, 0), 0, fig.ABOUT),
    (False, None, 15, fig.UNCOUNTED),  # no range to say it with
])
def test_how_a_count_is_told(reps_set, confident, span, reps, how):
    a = dataclasses.replace(reps_set, reps=reps, reps_confident=confident, reps_range=span)
    count = fig.reps_count(a)
    assert count.how == how and count.n == reps
    assert count.exact == (how == fig.EXACT)


def test_a_target_is_never_reached_on_an_uncertain_count(reps_set):
    assert fig.reps_target(reps_set) == fig.REACHED
    assert fig.reps_target(dataclasses.replace(reps_set, reps=12)) == fig.MISSED
    assert fig.reps_target(_about(reps_set, 15, 17)) == fig.UNCERTAIN
    assert fig.reps_target(_about(reps_set, 17, 18)) == fig.UNCERTAIN  # all above: still
    assert fig.reps_target(dataclasses.replace(reps_set, reps_confident=False,
                                               reps_range=None)) == fig.UNCERTAIN
    # Every count the recording allows falls short: missed, whatever the count.
    assert fig.reps_target(dataclasses.replace(reps_set, reps=12, reps_confident=False,
                                               reps_range=(11, 13))) == fig.MISSED
    assert fig.reps_target(_old(reps_set)) == fig.REACHED


# -- the text report ---------------------------------------------------------------------

def test_the_text_report_says_about_and_claims_no_target(reps_set):
    sure = _text([_record(1, DAY1, reps_set)])
    assert re.search(r"Repetitions\s+16 \(target 15–20\)\n", sure)
    assert "1 of 1 sets with repetitions reached the target." in " ".join(sure.split())
    assert "~" not in sure and "about" not in sure

    text = _text([_record(1, DAY1, _about(reps_set, 15, 17))])
    assert re.search(r"Repetitions\s+about 16 \(15–17; target 15–20\)\n", text)
    assert not re.search(r"Repetitions\s+16\b", text)
    said = " ".join(text.split("Observations")[1].split())
    assert "0 of 1 sets with repetitions reached the target. For 1 of them the count is " \
        "too uncertain to say." in said
    # The day's total is marked, and the mark explained.
    assert re.search(r"3 Mar\s+1\s+~16\s+0\s", text)
    assert "~ approximate: the day has a set whose count is not certain." in text


def test_a_count_of_one_possible_value_is_about_without_a_range(reps_set):
    text = _text([_record(1, DAY1, _about(reps_set, 16, 16))])
    assert re.search(r"Repetitions\s+about 16 \(target 15–20\)\n", text)


@pytest.mark.parametrize("span, words", [
    ((9, 20), "could not be counted reliably (between 9 and 20; target 15–20)"),
    ((0, 16), "could not be counted reliably (between 0 and 16; target 15–20)"),
    (None, "could not be counted reliably (target 15–20)"),
])
def test_a_wide_range_is_no_count(reps_set, span, words):
    a = dataclasses.replace(reps_set, reps_confident=False, reps_range=span)
    text = _text([_record(1, DAY1, a)])
    assert f"Repetitions {words} Faults" in " ".join(text.split())  # wrapped: joined
    assert "about" not in text.split("Progress")[0]
    assert not re.search(r"Repetitions\s+16", text)
    assert "0 of 1 sets with repetitions reached the target. For 1 of them" in \
        " ".join(text.split())


def test_holds_not_told_apart_are_about_with_a_line_saying_why(hold_set):
    n = len(hold_set.holds)
    sure = _text([_record(1, DAY1, hold_set)])
    assert re.search(rf"Holds\s+{n}: ", sure) and "told apart" not in sure
    text = _text([_record(1, DAY1, dataclasses.replace(hold_set, holds_confident=False))])
    assert re.search(rf"Holds\s+about {n}: ", text)
    assert not re.search(rf"Holds\s+{n}: ", text)
    assert "Notes from the analysis: the holds could not be told apart from the rests " \
        "between them reliably" in text
    said = " ".join(text.split("Observations")[1].split())
    assert f"0 of {n} holds lasted long enough (at least 12 s). For {n} of them it is " \
        "uncertain: the holds could not be told apart reliably." in said
    assert re.search(rf"3 Mar\s+1\s+0\s+~{n}\s", text)


def test_no_holds_found_but_unsure_says_none_found(hold_set):
    a = dataclasses.replace(hold_set, holds=[], holds_confident=False)
    text = _text([_record(1, DAY1, a)])
    assert re.search(r"Holds\s+none found\n", text) and "told apart" in text


def test_an_old_result_is_reported_exactly_as_before(reps_set, hold_set):
    """Schema 1 (no keys): None, and the report is the one a confident result gets."""
    old = [_record(1, DAY1, _old(reps_set)), _record(2, DAY2, _old(hold_set))]
    for r in old:
        assert all(getattr(r.analysis, key) is None for key in KEYS)
    sure = [_record(1, DAY1, reps_set), _record(2, DAY2, hold_set)]
    for lang in ("en", "da"):
        assert _text(old, lang) == _text(sure, lang)
        assert html_report(old, lang, tz=UTC, generated=GENERATED) == \
            html_report(sure, lang, tz=UTC, generated=GENERATED)
    assert "~" not in _text(old)


# -- the HTML report ---------------------------------------------------------------------

def test_the_html_report_says_about_and_pales_the_days_bar(reps_set, hold_set):
    records = [_record(1, DAY1, _about(reps_set, 15, 17)),
               _record(2, DAY2, dataclasses.replace(hold_set, holds_confident=False))]
    page = html_report(records, "en", tz=UTC, generated=GENERATED)
    words = _words(page)
    assert "about 16 (15–17; target 15–20)" in words
    assert f"about {len(hold_set.holds)}: " in words
    assert "the holds could not be told apart from the rests between them reliably" in words
    assert "~ approximate: the day has a set whose count is not certain." in words
    assert "For 1 of them the count is too uncertain to say." in words
    # The set chart's description, and the progress bars of the counts not sure of.
    assert f"{len(reps_set.rep_times_s)} movements marked as repetitions; the count is " \
        "uncertain." in page
    assert "holds shown as spans; they are uncertain." in page
    assert page.count('class="bar approx"') == 2  # the reps bar of day 1, the holds of 2
    assert "Repetitions per day: 3 Mar ~16" in page
    sure = html_report([_record(1, DAY1, reps_set), _record(2, DAY2, hold_set)], "en",
                       tz=UTC, generated=GENERATED)
    assert "approx" not in sure and "uncertain" not in sure and "about" not in _words(sure)
    assert "16 (target 15–20)" in _words(sure)
    # How to read it: what "about" and "~" mean, said where a count is unsure, only there.
    assert "When the sensor cannot tell exactly how many" in words
    assert "When the sensor cannot tell exactly" not in _words(sure)
    danish = _words(html_report(records, "da", tz=UTC, generated=GENERATED))
    assert "Når sensoren ikke kan afgøre præcis" in danish


def test_the_set_chart_numbers_the_repetitions_only_when_the_count_is_sure(reps_set):
    from korset.report.charts import set_chart
    from korset.report.language import Language

    def rep_marks(a: Analysis) -> str:
        chart = set_chart(a, Language("en"), "c")
        return re.search(r'<g class="reps">(.*?)</g>', chart, re.S).group(1)

    n = len(reps_set.rep_times_s)
    sure = rep_marks(reps_set)
    assert sure.count("<circle") == n and f"rep {n}:" in sure and ">1</text>" in sure
    unsure = rep_marks(_about(reps_set, 15, 17))
    assert unsure.count("<circle") == n  # every movement found is still shown ...
    assert "<text" not in unsure and "rep 1:" not in unsure  # ... but not counted
    assert "a repetition found (the count is uncertain)" in unsure


# -- korset analyze ----------------------------------------------------------------------

@pytest.fixture
def analysed(monkeypatch):
    """``korset analyze`` of a file, with the analysis given: (set it, run the command)."""
    from korset import inputs, setfiles

    given = {}
    monkeypatch.setattr(inputs, "load", lambda path, **_: types.SimpleNamespace(
        is_session=False))
    monkeypatch.setattr(setfiles, "analyse", lambda loaded, exercise, **_: given["a"])

    def run(a: Analysis, *args: str) -> int:
        given["a"] = a
        return main(["analyze", "x.csv", "-e", "3", *args])
    return run


def test_analyze_json_has_the_confidence(analysed, capsys, reps_set):
    assert analysed(_about(reps_set, 15, 17), "--json") == 0
    d = json.loads(capsys.readouterr().out)
    assert d["reps_confident"] is False and d["reps_range"] == [15, 17]
    assert d["holds_confident"] is None and d["schema"] == 2 and d["reps"] == 16
    back = Analysis.from_dict(d)
    assert back.reps_range == (15, 17) and back.reps_confident is False
    assert analysed(dataclasses.replace(reps_set, holds_confident=True), "--json") == 0
    d = json.loads(capsys.readouterr().out)
    assert (d["reps_confident"], d["reps_range"], d["holds_confident"]) == (True, [16, 16],
                                                                           True)


def test_analyze_says_about_or_not_counted(analysed, capsys, reps_set, hold_set):
    assert analysed(reps_set) == 0
    assert "  reps      16 (target 15-20)\n" in capsys.readouterr().out
    assert analysed(_about(reps_set, 15, 17)) == 0
    assert "  reps      about 16 (15-17; target 15-20)\n" in capsys.readouterr().out
    assert analysed(_about(reps_set, 4, 16)) == 0
    out = capsys.readouterr().out
    assert "  reps      could not be counted reliably (between 4 and 16; target 15-20)\n" \
        in out and "reps      16" not in out
    assert analysed(_old(reps_set)) == 0
    assert "  reps      16 (target 15-20)\n" in capsys.readouterr().out
    n = len(hold_set.holds)
    assert analysed(dataclasses.replace(hold_set, holds_confident=False)) == 0
    out = capsys.readouterr().out
    assert f"  holds     about {n} (target 12-16 s each)\n" in out
    assert "  warning: the holds could not be told apart" in out
    assert analysed(hold_set) == 0
    out = capsys.readouterr().out
    assert f"  holds     {n} (target 12-16 s each)\n" in out and "told apart" not in out


# -- the history -------------------------------------------------------------------------

def _store(h: History, sha: str, when: datetime, a: Analysis):
    return h.add(a, f"/store/{sha}.kss", device="abc123", session=4,
                 started_unix_s=when.timestamp(), sha256=sha * 64, analysed_at_unix_s=1.7e9)


def _make_old(h: History, set_id: int) -> None:
    """Rewrite a stored result as a korset before issue 15 stored it."""
    with sqlite3.connect(h.path) as con:
        (data,) = con.execute("SELECT analysis_json FROM sets WHERE id = ?",
                              (set_id,)).fetchone()
        d = json.loads(data)
        for key in KEYS:
            d.pop(key)
        d["schema"] = 1
        con.execute("UPDATE sets SET analysis_json = ? WHERE id = ?", (json.dumps(d), set_id))
    con.close()


def test_the_history_keeps_the_confidence(tmp_path, reps_set, hold_set):
    h = History(tmp_path / "history.sqlite")
    about = _store(h, "a", LOCAL1, _about(reps_set, 15, 17))
    unsure = _store(h, "b", LOCAL1.replace(hour=10),
                    dataclasses.replace(hold_set, holds_confident=False))
    (a, b) = [r.analysis for r in h.sets()]
    assert (a.reps_confident, a.reps_range, a.holds_confident) == (False, (15, 17), None)
    assert b.holds_confident is False
    row = csv_row(h.get(about.id))
    assert (row["reps_confident"], row["reps_low"], row["reps_high"]) == (0, 15, 17)
    assert csv_row(h.get(unsure.id))["holds_confident"] == 0
    assert {"reps_confident", "reps_low", "reps_high", "holds_confident"} <= set(CSV_COLUMNS)
    _make_old(h, about.id)
    old = h.get(about.id)
    assert all(getattr(old.analysis, key) is None for key in KEYS)
    row = csv_row(old)
    assert (row["reps_confident"], row["reps_low"], row["reps_high"]) == ("", "", "")


def test_the_history_listing_marks_a_count_not_sure_of(tmp_path, capsys, reps_set,
                                                       hold_set):
    db = tmp_path / "history.sqlite"
    h = History(db)
    _store(h, "a", LOCAL1, _about(reps_set, 15, 17))
    _store(h, "b", LOCAL1.replace(hour=10), dataclasses.replace(hold_set,
                                                              holds_confident=False))
    _store(h, "c", LOCAL2, _about(reps_set, 3, 16))
    assert main(["history", "--db", str(db)]) == 0
    out = capsys.readouterr().out
    n = len(hold_set.holds)
    assert re.search(r"Rock back on all fours: ~16 reps \(15-17; target 15-20\), ", out)
    assert re.search(rf"Find the corset, lying on your back: ~{n} holds, mean ", out)
    assert re.search(r"Rock back on all fours: reps could not be counted reliably \(between "
                     r"3 and 16; target 15-20\), ", out)
    assert f"day: 2 sets, ~16 reps, ~{n} holds, " in out
    assert "day: 1 set, ~16 reps, 0 holds, " in out
    assert "\n~ the analysis is not sure of the count" in out
    assert not re.search(r": 16 reps", out)
    assert main(["history", "--db", str(db), "--json"]) == 0
    listed = json.loads(capsys.readouterr().out)
    assert [listed[i]["analysis"]["reps_range"] for i in (0, 2)] == [[15, 17], [3, 16]]
    assert listed[1]["analysis"]["holds_confident"] is False


def test_an_old_result_is_listed_as_before(tmp_path, capsys, reps_set):
    db = tmp_path / "history.sqlite"
    h = History(db)
    sure = _store(h, "a", LOCAL1, reps_set)
    assert main(["history", "--db", str(db)]) == 0
    before = capsys.readouterr().out
    _make_old(h, sure.id)
    assert main(["history", "--db", str(db)]) == 0
    assert capsys.readouterr().out == before
    assert ": 16 reps (target 15-20), " in before and "~" not in before
