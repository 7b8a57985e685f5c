"""Real recordings with labelled activities (UCI HAPT excerpts, tests/data/real/hapt):
the body frame they were converted to, the posture check, walking, sit-to-stand.

Each test judges every excerpt with the analysis as it is (``korset.bench.realdata``
measures, the same as ``korset bench analysis`` prints). A property the analysis does
not have yet is a strict xfail whose reason gives the figures: when the analysis gains
it, the test passes, fails as strict, and its mark goes.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from korset.analysis import motion
from korset.bench import realdata as rd

HAPT = Path(__file__).resolve().parent.parent / "data" / "real" / "hapt"
UPRIGHT = ("sitting", "standing")
LYING = ("supine", "prone", "side_lying", "quadruped")  # postures of a lying trunk


@pytest.fixture(scope="module")
def excerpts() -> list[rd.Excerpt]:
    return rd.load_hapt(HAPT)


@pytest.fixture(scope="module")
def result() -> dict:
    return rd.run_hapt(HAPT)


def test_the_excerpts_hold_every_posture_and_a_walk(excerpts):
    assert len(excerpts) == 4
    assert len({e.meta["user"] for e in excerpts}) == 4  # four people
    for e in excerpts:
        rec = e.recording
        assert rec.rate_hz == pytest.approx(rd.RATE_HZ)
        for activity in (rd.SITTING, rd.STANDING, rd.LAYING, rd.WALKING, rd.STAND_TO_SIT,
                         rd.SIT_TO_STAND):
            assert e.of(activity), (e.name, activity)
        for a in e.activities:
            assert rec.t[0] <= a.start_s < a.end_s <= rec.t[-1], (e.name, a)
        rot = np.array(e.meta["rotation_phone_to_body"])
        np.testing.assert_allclose(rot @ rot.T, np.eye(3), atol=1e-4)
        assert np.linalg.det(rot) == pytest.approx(1.0, abs=1e-4)  # a rotation, no mirror


def test_the_body_frame_is_anterior_left_up(excerpts):
    """The converted axes behave as the contract's: gravity up when standing; standing up
    begins with a forward lean (gravity tilts towards -x); walking swings the trunk fore
    and aft at the step rate more than sideways; and the gyro turns gravity as the
    accelerometer sees it turn (same axes, right-handed)."""
    from scipy import signal

    for e in excerpts:
        rec, t = e.recording, e.recording.t
        for posture, start, end in rd.still_stretches(e):
            if posture == "standing":
                up = rec.accel[(t >= start) & (t <= end)].mean(0)
                assert np.degrees(np.arccos(up[2] / np.linalg.norm(up))) < 8.0, e.name
        rise = e.of(rd.SIT_TO_STAND)[0]
        inside = (t >= rise.start_s) & (t <= rise.end_s)
        before = (t >= rise.start_s - 1.0) & (t < rise.start_s)
        unit = rec.accel / np.linalg.norm(rec.accel, axis=1)[:, None]
        assert unit[inside, 0].min() < unit[before, 0].mean() - 0.3, e.name
        bout = e.of(rd.WALKING)[0]
        walk = (t >= bout.start_s) & (t <= bout.end_s)
        sos = signal.butter(2, [1.4, 2.4], btype="band", fs=rec.rate_hz, output="sos")
        swing = signal.sosfiltfilt(sos, rec.accel[walk], axis=0).std(0)
        assert swing[0] > 1.5 * swing[1], (e.name, swing)
        # Gravity carried through the sit-to-stand by the gyro (du/dt = -w x u).
        u = unit[before].mean(0)
        for w in rec.gyro[inside]:
            u = u - np.cross(w, u) / rec.rate_hz
            u /= np.linalg.norm(u)
        after = unit[(t > rise.end_s) & (t <= rise.end_s + 1.0)].mean(0)
        after /= np.linalg.norm(after)
        assert np.degrees(np.arccos(min(1.0, float(u @ after)))) < 10.0, e.name


def test_lying_and_upright_are_never_confused(result):
    """A still stretch sitting or standing is never named a lying posture, and lying on
    the back never sitting or standing, whichever exercise it is analysed as."""
    assert result["posture"]
    wrong = [r for r in result["posture"]
             if (r["truth"] in UPRIGHT and r["named"] in LYING)
             or (r["truth"] == "supine" and r["named"] in UPRIGHT)]
    assert not wrong, wrong


@pytest.mark.xfail(strict=True, reason=(
    "2 of the 24 still stretches are named 'unknown' by all six exercises (12 of 144 "
    "analyses), each just beyond motion.POSTURE_MATCH_DEG (35 deg) of every posture at "
    "its reference (the stretch's first still second): hapt_exp08_user04 sitting "
    "12.6-29.7 s, reference 15.2 s, leaning back 35.6 deg from standing; "
    "hapt_exp01_user01 lying 101.5-118.1 s, reference 116.6 s, half turned onto the right "
    "side, 56 deg from on the back and 35.5 deg from on the side"))
def test_every_still_stretch_is_named_a_posture_of_its_kind(result):
    """Sitting and standing are named sitting or standing; lying is named lying on the
    back or on the side (HAPT's label does not say which; the data are on the back, once
    half turned)."""
    kind = {"sitting": UPRIGHT, "standing": UPRIGHT, "supine": ("supine", "side_lying")}
    wrong = [r for r in result["posture"] if r["named"] not in kind[r["truth"]]]
    assert not wrong, wrong


@pytest.mark.xfail(strict=True, reason=(
    "sitting and standing are told apart only in part: motion.posture_of names sitting "
    "when gravity tips 12 degrees or more towards the anterior axis, standing at 4 or less, "
    "and between (a belt worn tilted looks the same) the exercise's own; of the 8 sitting "
    "stretches several tip only 6-12 degrees, so 27 of 48 sitting analyses name sitting "
    "(standing 15, unknown 6), and 1 of 8 standing stretches analysed as exercise 4 is "
    "named sitting"))
def test_sitting_and_standing_are_told_apart(result):
    wrong = [r for r in result["posture"] if r["truth"] in UPRIGHT and r["named"] != r["truth"]]
    assert not wrong, wrong


def test_walking_is_seen_as_walking(excerpts):
    """The labelled walks are walking to the analysis (so it stops judging an exercise
    there), and the still stretches are not."""
    for e in excerpts:
        rec = e.recording
        gait = motion.gait_mask(rec.accel, rec.gyro, rec.rate_hz)
        for b in e.of(rd.WALKING):
            inside = (rec.t >= b.start_s) & (rec.t <= b.end_s)
            assert gait[inside].mean() > 0.9, (e.name, b)
        for _, start, end in rd.still_stretches(e, margin_s=2.0):
            assert not gait[(rec.t >= start) & (rec.t <= end)].any(), (e.name, start)


def test_nothing_is_reported_while_walking(result):
    """No exercise (the generic kind aside: it counts steps) finds repetitions or faults
    inside a walking bout, in the whole excerpt or the walk alone with a reference at its
    start."""
    rows = result["walking"]
    assert len(rows) == 4 * 2 * 10  # excerpts x (whole, walk) x exercises
    reported = [r for r in rows if r["reps_while_walking"] or r["faults_while_walking"]]
    assert not reported, reported


@pytest.mark.xfail(strict=True, reason=(
    "the generic kind counts one stand-sit-stand cycle as 6, 5, 3 and 0 repetitions "
    "(hapt_exp01_user01, exp04_user02, exp08_user04, exp10_user05): exp01 at 8.7, 9.3, "
    "10.2 s sitting down, 16.5, 22.2 s sitting, 28.9 s standing up; exp04 all 5 at "
    "7.7-10.8 s, sitting down (8.0-11.2 s); exp08 sitting down, sitting, standing up; "
    "exp10 none (its two large movements are fewer than a rhythm's three)"))
def test_one_stand_sit_stand_is_one_repetition(result):
    """Standing, sitting down, sitting, standing up again: one whole cycle (HAPT's
    protocol has one per experiment, so there are no repeated sit-to-stands to count)."""
    rows = result["stand_sit"]
    assert len(rows) == 4
    assert [r["reps"] for r in rows] == [1] * len(rows), rows


def test_no_repetition_while_still(result):
    counted = [r for r in result["still_generic"] if r["reps"]]
    assert not counted, counted


@pytest.mark.xfail(strict=True, reason=(
    "no wrong count is marked confident, but the generic kind's ranges miss the truth: "
    "the stand-sit-stands of hapt_exp01_user01, exp04_user02 and exp08_user04 are "
    "counted 6, 5 and 3 with ranges [6, 6], [5, 5], [3, 3] (truth 1): steps taken while "
    "sitting down (its rules weigh no other count); exp10_user05's 0 has range [0, 2]"))
def test_a_wrong_count_is_not_marked_confident(result):
    """Issue 15: a count marked confident is right; the range holds the true count."""
    cases = [(r["reps"], 1, r["reps_confident"], r["reps_range"]) for r in result["stand_sit"]]
    for r in result["still_generic"]:
        cases.append((r["reps"], 0, r["reps_confident"], r["reps_range"]))
    wrong = [c for c in cases if c[0] != c[1]]
    assert not [c for c in wrong if c[2]], wrong
    assert all(lo <= truth <= hi for _, truth, _, (lo, hi) in wrong), wrong


def test_the_bench_prints_every_measure(result):
    lines = rd.hapt_lines(result)
    text = "\n".join(lines)
    for word in ("posture", "while walking", "stand-sit-stand", "still stretches"):
        assert word in text
    assert result["posture_judged"] == 24 * len(rd.posture_exercises())
