"""Danish reports: every note the analysis can make, every reason a set is not judged, and
every fault direction in Danish, with no English sentence left over.

The English table (``STRINGS["en"]``) is the list of what must not appear: each of
its texts, cut at its placeholders, is looked for in Danish reports of sets that
carry every kind of note. Which way the lower back moved is checked from the
recording contract up (body frame x forward, y left, z up): a set that bends
forward, one that bends to the right and one that twists to the left.
"""

from __future__ import annotations

import dataclasses
import re
from datetime import UTC, datetime
from html.parser import HTMLParser
from pathlib import Path

import numpy as np
import pytest

import korset.analysis
from korset.analysis import analyze
from korset.analysis.result import Analysis, Fault, Hold, Note, Quality, Trace
from korset.history import SetRecord
from korset.recording import STANDARD_GRAVITY
from korset.report import html_report, text_report
from korset.report.language import STRINGS
from korset.sim.scripted import attitude_recording
from korsetfw import catalogue as cat
from korsetfw import catalogue_text

DAY = datetime(2025, 3, 3, 9, 0, tzinfo=UTC)
GENERATED = datetime(2025, 3, 6, 12, 0, tzinfo=UTC)

# Every note the analysis and the file readers make, with figures as they give them.
NOTES = [
    Note("never_still", "the patient was never still for a second, so no reference was "
         "taken"),
    Note("walked_away", "the patient walked at 61.5 s: the set is judged up to 60.2 s",
         {"at_s": 61.5, "until_s": 60.2}),
    Note("moved_away", "the patient moved away at 30.0 s: the set is judged up to 28.4 s",
         {"at_s": 30.0, "until_s": 28.4}),
    Note("reference_again", "the board took the reference 3 times; the set is judged from "
         "the last, at 12.5 s", {"times": 3, "at_s": 12.5}),
    Note("no_board_reference", "the board never took a reference (the patient was not still "
         "in the starting posture): it is found from the recording"),
    Note("file_damage", "samples 520-1039 lost", {"detail": "samples 520-1039 lost"}),
    Note("file_damage", "chunk 7 (samples) unusable: bad length",
         {"detail": "chunk 7 (samples) unusable: bad length"}),
    Note("posture", "the set started sitting, not on all fours as the exercise begins",
         {"posture": cat.SITTING, "expected": cat.QUADRUPED}),
    Note("gap", "the samples stop for 0.42 s after 12.000 s (data rows 624 and 625)",
         {"at_s": 12.0, "length_s": 0.42}),
    Note("gyro_accel_disagree", "the angular rate turns the body against the tilt the "
         "accelerometer sees (over 30 s of steady movement): do the gyro's axes or signs "
         "differ from the accelerometer's?", {"scale": -0.9, "explained": 0.8,
                                              "steady_s": 30}),
    Note("gap_filled", "the samples stop for 0.067 s after 12.000 s (data rows 624 and "
         "625): filled in between the samples either side", {"at_s": 12.0, "length_s": 0.067}),
    Note("long_recording", "121 minutes were judged as one set: a set lasts minutes, so "
         "this holds many sets", {"minutes": 121}),
    Note("text", "a note stored before notes had codes"),
]
# Findings that stop the reading (an InputError), never a note.
ERRORS_ONLY = {"time_unit", "accel_unit"}
UNJUDGED = {
    "never_still_unjudged": Note("never_still_unjudged", "the patient was never still for a "
                                 "second, so no reference was taken: nothing is judged"),
    "gyro_unit": Note("gyro_unit", "the angular rate reaches 45 rad/s, more than a lower back "
                      "turns: is it in deg/s (--gyro-unit deg/s)?", {"rad_s": 45}),
}


def test_every_note_the_analysis_makes_is_worded_in_danish():
    """The codes in the analysis's source: a new one needs Danish words (and a place
    here)."""
    package = Path(korset.analysis.__file__).parent
    source = "\n".join(p.read_text(encoding="utf-8") for p in package.glob("*.py"))
    made = set(re.findall(r'(?:Note|Finding)\(\s*"(\w+)"', source)) - ERRORS_ONLY
    made |= {c for pair in re.findall(r'Note\(\s*"(\w+)" if \w+ else "(\w+)"', source)
             for c in pair}
    known = {n.code for n in NOTES} | set(UNJUDGED)
    assert made and made <= known, made - known
    for code in made - {"posture"}:  # the posture's note is said by the figures
        assert f"note_{code}" in STRINGS["da"], code
    assert set(STRINGS["da"]) == set(STRINGS["en"])


def _analysis(warnings, faults=(), judged=True, kind=cat.REPS) -> Analysis:
    ex = cat.get(3 if kind == cat.REPS else 1)
    t = np.arange(0, 60, 0.1)
    columns = {axis: 0.5 * np.sin(t + i) for i, axis in enumerate(cat.AXES)}
    return Analysis(
        exercise=ex.number, exercise_key=ex.key, name_en=ex.name_en, name_da=ex.name_da,
        kind=ex.kind, source="x.kss", rate_hz=52.0, duration_s=60.0,
        reference_s=2.0, set_end_s=58.0 if judged else 2.0,
        tolerance_deg={a: 5.0 for a in cat.AXES}, posture=ex.posture,
        posture_expected=ex.posture, reps=12 if kind == cat.REPS else 0,
        rep_times_s=[4.0 + 4 * i for i in range(12)] if kind == cat.REPS else [],
        holds=[Hold(5.0, 20.0, 15.0), Hold(25.0, 40.0, 15.0)] if kind == cat.HOLD else [],
        faults=list(faults),
        quality=Quality({a: 7.0 for a in cat.AXES}, 2.0, 3.6,
                        4.0 if kind == cat.REPS else None,
                        15.0 if kind == cat.HOLD else None),
        target_reps=ex.reps, target_hold_s=ex.hold_s, warnings=list(warnings),
        trace=Trace(10.0, 0.0, columns))


def _every_kind_of_set() -> list[SetRecord]:
    faults = [Fault(10.0 + 5 * i, 11.0 + 5 * i, sign * 7.0, axis)
              for i, (axis, sign) in enumerate((a, s) for a in cat.AXES for s in (1, -1))]
    analyses = [_analysis(NOTES, faults), _analysis(NOTES[:3], faults[:2], kind=cat.HOLD)]
    analyses += [_analysis([note], judged=code != "gyro_unit") for code, note in
                 UNJUDGED.items()]
    analyses.append(_analysis([], judged=False))  # nothing judged, no note says why
    return [SetRecord(i, "b", i, DAY.timestamp() + 86400 * (i % 2) + 60 * i,
                      f"/store/{i}.kss", a) for i, a in enumerate(analyses, 1)]


class _Text(HTMLParser):
    def __init__(self, page):
        super().__init__()
        self.chunks, self.skip = [], 0
        self.feed(page)
        self.text = " ".join(" ".join(self.chunks).split())

    def handle_starttag(self, tag, attrs):
        self.skip += tag == "style"

    def handle_endtag(self, tag):
        self.skip -= tag == "style"

    def handle_data(self, data):
        if not self.skip:
            self.chunks.append(data)


def _english_pieces() -> set[str]:
    """The English table's texts cut at their placeholders: the pieces of two words or
    more (a single word may be Danish too: "tolerance", "Patient")."""
    def cut(value) -> set[str]:
        texts = value if isinstance(value, list) else [value]
        return {piece.strip(" .,:;()–-*'") for text in texts
                for piece in re.split(r"\{\w+\}", text)}

    pieces = set()
    for key, value in STRINGS["en"].items():
        same = cut(STRINGS["da"][key])  # "{axis}: tolerance ±{tol}" is Danish too
        pieces |= {p for p in cut(value) - same if len(p.split()) >= 2}
    return pieces


@pytest.fixture(scope="module")
def danish():
    records = _every_kind_of_set()
    text = " ".join(text_report(records, "da", tz=UTC).split())
    page = _Text(html_report(records, "da", tz=UTC, generated=GENERATED)).text
    return text, page


def test_no_english_is_left_in_a_danish_report(danish):
    english = _english_pieces()
    assert len(english) > 60  # the table, not an empty list
    notes = [n.text for n in NOTES + list(UNJUDGED.values())]
    for words in (*danish,):
        for piece in sorted(english):
            assert piece not in words, piece
        for sentence in notes:
            assert sentence not in words, sentence
        for word in ("samples", "chunk", "unusable", "never", "walked", "judged",
                     "rad/s, more", "deg/s", "rounding", "arching", "twist"):
            assert word not in words, word


def test_a_held_position_is_a_fastholdelse_and_no_note_assumes_lying(danish):
    for words in danish:
        assert not re.search(r"\bhold\b", words, re.IGNORECASE)
        assert "Fastholdelser" in words and "fastholdelse 1" in words
    for key, value in STRINGS["da"].items():
        if key.startswith(("note_", "not_judged_")):
            assert not re.search(r"\b(lå|ligger|liggende)\b", value), key
    for name_da, _, instructions_da in catalogue_text.TEXTS.values():
        assert not re.search(r"\bhold(et|ene)?\b", name_da + " " + instructions_da.replace(
            "Hold ", "").replace("hold ", "")), name_da


def test_the_danish_report_says_why_a_set_was_not_judged_and_leaves_it_out(danish):
    text, page = danish
    for words in danish:
        assert "ikke bedømt: du var aldrig i ro et helt sekund, så der blev ikke taget en " \
            "reference" in words
        assert "ikke bedømt: drejehastigheden i filen er større, end en lænd kan dreje" in words
        assert "ikke bedømt: ingen del af optagelsen blev bedømt" in words
        assert "3 af de 5 sæt kunne ikke bedømmes" in words
        assert "en del af optagelsen var beskadiget og er sprunget over" in words
        assert "kun findes på engelsk" in words
    # Each damage note once (the Danish words do not repeat the decoder's detail).
    assert text.count("beskadiget og er sprunget over") == 1
    # The progress column says what it is: a mean of each set's largest movement.
    assert "Største bevægelse, gns. pr. sæt" in text and "Bedømte sæt" in text
    assert "Ikke bedømt" in text
    assert page.count("Sættet kunne ikke bedømmes, så bevægelsen er ikke tegnet.") == 3


@pytest.mark.parametrize("lang", ["da", "en"])
def test_every_fault_says_which_way_the_back_moved(lang):
    (record, *_) = _every_kind_of_set()
    text = text_report([record], lang, tz=UTC)
    page = _Text(html_report([record], lang, tz=UTC, generated=GENERATED)).text
    ways = [STRINGS[lang][f"direction_{axis}_{sign}"] for axis in cat.AXES
            for sign in ("pos", "neg")]
    assert len(set(ways)) == 6
    for way in ways:
        assert text.count(f": {way}") == 1, way  # one fault each way
        assert way in page
    assert STRINGS[lang]["fault_col_direction"] in page


def test_a_note_with_other_figures_than_its_words_does_not_break_the_report():
    odd = Note("walked_away", "the patient walked off", {"when": 3})  # no at_s, until_s
    record = SetRecord(1, "b", 1, DAY.timestamp(), "/store/1.kss", _analysis([odd]))
    assert "kun findes på engelsk" in text_report([record], "da", tz=UTC)
    assert "the patient walked off" in text_report([record], "en", tz=UTC)


# -- which way is which: from the recording contract --------------------------------------

def _bend(rotation=0.0, flexion=0.0, lateral=0.0):
    """Standing still, then 15 degrees one way and back (radians in, ideal signals out)."""
    t = np.arange(0.0, 14.0, 1 / 52.0)
    shape = np.radians(15.0) * np.clip(np.minimum(t - 3.0, 9.0 - t), 0.0, 1.0)
    return t, attitude_recording(t, rotation * shape, flexion * shape, lateral * shape)


@pytest.mark.parametrize("axis, words_en, words_da", [
    ("flexion", "rounding (bending forward)", "runder lænden (bøjer forover)"),
    ("lateral", "bending to the right", "bøjer til højre side"),
    ("rotation", "twisting to the left", "drejer til venstre"),
])
def test_the_direction_follows_the_body_frame(axis, words_en, words_da):
    t, rec = _bend(**{axis: 1.0})
    peak = int(np.argmin(np.abs(t - 6.0)))
    a = np.radians(15.0)
    if axis == "flexion":  # bent forward: the contract's (-g sin a, 0, g cos a)
        np.testing.assert_allclose(rec.accel[peak], [-STANDARD_GRAVITY * np.sin(a), 0.0,
                                                     STANDARD_GRAVITY * np.cos(a)], atol=0.01)
    elif axis == "lateral":  # bent to the right: "up" leans to body y, the left
        assert rec.accel[peak, 1] > 2.0
    else:  # turned to the left: about z (up), anticlockwise seen from above
        assert rec.gyro[int(np.argmin(np.abs(t - 3.5))), 2] > 0.1
    result = analyze(rec, cat.get("reps"), tolerance_deg=5.0, reference_s=1.5)
    (fault,) = result.faults
    assert fault.axis == axis and fault.peak_deg > 0
    record = SetRecord(1, "b", 1, DAY.timestamp(), "/store/1.kss", result)
    assert f": {words_en}" in text_report([record], "en", tz=UTC)
    assert f": {words_da}" in text_report([record], "da", tz=UTC)


def test_counts_the_analysis_is_not_sure_of_are_said_in_danish():
    """About a count, no count, and holds not told apart: in Danish words, with no English
    left over, and no target reached on them."""
    about = dataclasses.replace(_analysis([]), reps_confident=False, reps_range=(11, 13))
    wide = dataclasses.replace(_analysis([]), reps_confident=False, reps_range=(3, 16))
    holds = dataclasses.replace(_analysis([], kind=cat.HOLD), holds_confident=False)
    records = [SetRecord(i, "b", i, DAY.timestamp() + 86400 * i, f"/store/{i}.kss", a)
               for i, a in enumerate((about, wide, holds))]
    text = " ".join(text_report(records, "da", tz=UTC).split())
    page = _Text(html_report(records, "da", tz=UTC, generated=GENERATED)).text
    for words in (text, page):
        assert "Gentagelser ca. 12 (11–13; mål 15–20)" in words
        assert "Gentagelser kunne ikke tælles sikkert (mellem 3 og 16; mål 15–20)" in words
        assert "Fastholdelser ca. 2: 15,0 s, 15,0 s" in words
        assert "fastholdelserne kunne ikke skelnes sikkert fra pauserne imellem dem" in words
        assert "~ omtrentligt: dagen har et sæt, hvis optælling er usikker." in words
        # 11-13 falls short of 15 whatever the count; 3-16 may reach it or not.
        assert "0 af 2 sæt med gentagelser nåede målet. For 1 af dem er optællingen for " \
            "usikker til at afgøre det." in words
        for piece in _english_pieces():
            assert piece not in words, piece
        for word in ("about", "could not", "reliably", "approximate", "uncertain"):
            assert word not in words, word
