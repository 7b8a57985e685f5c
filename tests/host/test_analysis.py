"""The offline analysis's numeric core, checked against the simulator's truth and real data.

Each check can fail: the truth comes from the simulator's kinematics (or the
real recordings' independent reference system), never from the analysis.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from korset.analysis import analyze, holds, motion, orientation, rhythm
from korset.recording import read_csv
from korset.sim import kinematics as kin
from korset.sim.corpus import corpus_sets
from korset.sim.simulate import simulate
from korsetfw import catalogue as cat

REAL = Path(__file__).resolve().parent.parent / "data" / "real" / "mobgap"


def test_prefix_product_is_the_running_product():
    rng = np.random.default_rng(3)
    for n in (1, 2, 63, 64, 65, 1000, 4097):
        steps = orientation.from_rotvec(rng.normal(0, 0.4, (n, 3)))
        expected = [steps[0]]
        for s in steps[1:]:
            expected.append(orientation.qmul(expected[-1][None], s[None])[0])
        np.testing.assert_allclose(orientation.prefix_product(steps), np.array(expected),
                                   atol=1e-12)


def test_deviation_angles_match_the_kinematics_definition():
    rng = np.random.default_rng(4)
    angles = rng.uniform(-0.6, 0.6, (500, 3))  # rotation, flexion, lateral, rad
    r = kin.deviation_rotation(*angles.T)
    # Quaternions of those matrices via rotation vectors (angles below pi).
    q = orientation.from_rotvec(kin.log_so3(r))
    np.testing.assert_allclose(orientation.deviation_deg(q), np.degrees(angles), atol=1e-9)


def test_integrating_a_constant_rate_turns_by_rate_times_time():
    t = np.arange(0, 10, 0.01)
    gyro = np.tile([0.0, 0.0, np.radians(9.0)], (len(t), 1))  # 9 deg/s about z
    q = orientation.integrate(t, gyro, ref=0)
    dev = orientation.deviation_deg(q)
    assert dev[-1, 0] == pytest.approx(9.0 * t[-1], abs=1e-6)
    # Relative to a later reference, earlier attitudes are turned back.
    q = orientation.integrate(t, gyro, ref=500)
    assert orientation.deviation_deg(q)[0, 0] == pytest.approx(-45.0, abs=1e-6)


@pytest.mark.parametrize("key,errors,limit_deg", [
    ("rock_back", "typical", 0.6), ("supine_leg_fall_out", "typical", 0.6),
    ("upper_back_extension", "large", 1.2)])
def test_deviation_follows_the_true_lower_back(key, errors, limit_deg):
    """Drift from gyro bias (3 deg/s in the large case) is removed: the estimate stays within
    about a degree of the truth over the whole set, faults included."""
    ex = cat.get(key)
    sim = simulate(ex, 11, rate_hz=104.0, errors=errors)
    r = analyze(sim.recording, ex)
    t = r.trace.t
    est = np.stack([r.trace.columns[a] for a in orientation.AXES], -1)
    truth = np.stack([np.interp(t, sim.t_fine, sim.deviation_deg[:, i]) for i in range(3)], -1)
    judged = (t >= sim.truth["reference_s"]) & (t <= sim.truth["set_end_s"])
    rms = np.sqrt(np.mean((est[judged] - truth[judged]) ** 2, axis=0))
    assert rms.max() < limit_deg


@pytest.mark.parametrize("key", ["corset_standing_arm", "seated_knee_extension",
                                 "prone_leg_lift", "supine_leg_fall_out"])
def test_with_an_ideal_sensor_breathing_does_not_pass_for_gyro_bias(key):
    """Still stretches are never quite still (breathing turns the lower back at up to half a
    degree per second): taken one by one as the bias, they bent the deviation by a tenth
    of a degree or more; averaged as a slowly wandering bias, an ideal sensor's deviation
    is exact to a few hundredths."""
    ex = cat.get(key)
    for seed in (11, 12):
        sim = simulate(ex, seed, rate_hz=104.0, errors="none")
        r = analyze(sim.recording, ex)
        t = r.trace.t
        est = np.stack([r.trace.columns[a] for a in orientation.AXES], -1)
        truth = np.stack([np.interp(t, sim.t_fine, sim.deviation_deg[:, i])
                          for i in range(3)], -1)
        judged = (t >= sim.truth["reference_s"]) & (t <= sim.truth["set_end_s"])
        err = est[judged] - truth[judged]
        typical = np.median(np.abs(err - np.median(err, axis=0)), axis=0)
        assert typical.max() < 0.06, (seed, typical)


def test_the_gyro_bias_is_averaged_over_short_still_runs_and_follows_long_ones():
    rate = 50.0
    t = np.arange(0.0, 200.0, 1.0 / rate)
    bias = np.where(t < 100, 0.8, 1.1)  # deg/s, x axis; a step between two long runs
    breath = 0.3 * np.sin(2 * np.pi * 0.25 * t)  # what a still patient's breathing turns
    gyro = np.zeros((len(t), 3))
    gyro[:, 0] = np.radians(bias + breath)
    still = np.zeros(len(t), bool)
    for start in np.arange(5.0, 80.0, 3.0):  # short runs between repetitions
        still[(t >= start) & (t < start + 1.0)] = True
    still[(t >= 82) & (t < 98)] = True  # a hold before the step ...
    still[(t >= 102) & (t < 118)] = True  # ... and one after it
    est = np.degrees(orientation.gyro_bias(t, gyro, still))[:, 0]
    medians = [np.median(np.degrees(gyro[(t >= s) & (t < s + 1.0), 0]))
               for s in np.arange(5.0, 80.0, 3.0)]
    assert max(abs(m - 0.8) for m in medians) > 0.15  # each short run alone is off
    short = (t > 10) & (t < 75)
    assert np.abs(est[short] - 0.8).max() < 0.08
    assert abs(est[np.searchsorted(t, 90.0)] - 0.8) < 0.06  # long runs: followed closely
    assert abs(est[np.searchsorted(t, 110.0)] - 1.1) < 0.06


def test_the_period_of_repetitions_under_breathing():
    rate = 50.0
    t = np.arange(0.0, 90.0, 1.0 / rate)
    reps = np.zeros(len(t))
    for start in np.arange(2.0, 85.0, 5.5):
        inside = (t >= start) & (t < start + 3.0)
        reps[inside] = np.sin(np.pi * (t[inside] - start) / 3.0) ** 2
    x = reps + 0.2 * np.sin(2 * np.pi * 0.3 * t)
    regular, period = rhythm.regularity(x, rate, 1.5, 12.0)
    assert period == pytest.approx(5.5, abs=0.2)
    assert regular > 0.3
    assert rhythm.regularity(np.random.default_rng(2).normal(size=len(t)), rate, 1.5,
                             12.0)[0] < regular


@pytest.mark.parametrize("key", ["corset_standing_arm", "rock_back", "prone_leg_lift",
                                 "supine_leg_fall_out", "corset_supine", "wall_flatten"])
def test_every_fault_is_found_and_none_invented(key):
    ex = cat.get(key)
    for seed in (21, 22):
        sim = simulate(ex, seed, rate_hz=52.0, fault_rate=0.3)
        r = analyze(sim.recording, ex)
        for f in sim.truth["faults"]:
            assert any(g.start_s <= f["end_s"] + 0.3 and g.end_s >= f["start_s"] - 0.3
                       and g.axis == f["axis"] for g in r.faults), (seed, f)
        for g in r.faults:
            assert any(g.start_s <= f["end_s"] + 0.3 and g.end_s >= f["start_s"] - 0.3
                       for f in sim.truth["faults"]), (seed, g)


def test_a_lower_tolerance_finds_more():
    ex = cat.get(3)
    sim = simulate(ex, 5, rate_hz=52.0)
    default = analyze(sim.recording, ex)
    strict = analyze(sim.recording, ex, tolerance_deg=1.0)
    assert len(strict.faults) > len(default.faults)
    assert strict.quality.time_outside_s > default.quality.time_outside_s


@pytest.mark.parametrize("key,seed", [("wall_flatten", 3), ("hold", 4), ("corset_supine", 5)])
def test_holds_are_counted_and_timed(key, seed):
    ex = cat.get(key)
    sim = simulate(ex, seed, rate_hz=104.0)
    r = analyze(sim.recording, ex)
    assert len(r.holds) == len(sim.truth["holds"])
    for got, want in zip(r.holds, sim.truth["holds"], strict=True):
        assert abs(got.start_s - want["start_s"]) <= 0.5
        assert abs(got.end_s - want["end_s"]) <= 0.5


def _held(t, level_deg, spans, breath_deg=0.15):
    """Deviation (n, 3): flexion at ``level_deg`` in each (start, end) span, raised-cosine
    transitions of 1 s centred on the edges, and breathing throughout."""
    dev = np.zeros((len(t), 3))
    for start, end in spans:
        rise = np.clip((t - start + 0.5) / 1.0, 0, 1)
        fall = np.clip((end + 0.5 - t) / 1.0, 0, 1)
        dev[:, 1] += level_deg * np.minimum(0.5 - 0.5 * np.cos(np.pi * rise),
                                            0.5 - 0.5 * np.cos(np.pi * fall))
    dev[:, 1] += breath_deg * np.sin(2 * np.pi * 0.25 * t)
    return dev


def test_a_fault_at_the_start_of_a_hold_does_not_move_its_edge():
    rate = 50.0
    t = np.arange(0.0, 60.0, 1.0 / rate)
    spans = [(8.0, 22.0), (30.0, 45.0)]
    dev = _held(t, 0.7, spans)
    fault = (t >= 31.0) & (t < 32.8)  # lateral bend past the tolerance, 1 s into the hold
    dev[fault, 2] += 4.0 * np.sin(np.pi * (t[fault] - 31.0) / 1.8)
    judged = t > 2.0
    found = holds.find(t, dev, judged, rate, 3.6, interruptions=[(31.0, 32.8)]).holds
    assert len(found) == 2
    for got, (start, end) in zip(found, spans, strict=True):
        assert got.start_s == pytest.approx(start, abs=0.3)
        assert got.end_s == pytest.approx(end, abs=0.3)


def test_a_short_dip_inside_a_hold_does_not_split_it():
    rate = 50.0
    t = np.arange(0.0, 50.0, 1.0 / rate)
    dev = _held(t, 0.8, [(8.0, 30.0)], breath_deg=0.05)
    dip = (t >= 18.0) & (t < 20.0)  # two seconds: not enough to relax and draw in again
    dev[dip, 1] -= 0.6 * np.sin(np.pi * (t[dip] - 18.0) / 2.0)
    found = holds.find(t, dev, t > 2.0, rate, 3.6).holds
    assert len(found) == 1
    assert found[0].start_s == pytest.approx(8.0, abs=0.3)
    assert found[0].end_s == pytest.approx(30.0, abs=0.3)


def _assert_timed(found, spans, within_s=0.3):
    found = getattr(found, "holds", found)
    assert len(found) == len(spans), found
    for got, (start, end) in zip(found, spans, strict=True):
        assert got.start_s == pytest.approx(start, abs=within_s)
        assert got.end_s == pytest.approx(end, abs=within_s)


def test_a_hold_lost_during_a_fault_goes_on_after_it():
    """The legs' fault pulls the pelvis out of the hold for four seconds (longer than a
    dip that ends a hold); the patient draws in again after it: one hold."""
    rate = 50.0
    t = np.arange(0.0, 50.0, 1.0 / rate)
    dev = _held(t, 0.8, [(8.0, 32.0)])
    lost = (t >= 16.0) & (t < 20.0)
    dev[lost, 1] -= 0.8 * np.sin(np.pi * (t[lost] - 16.0) / 4.0)
    dev[lost, 0] += 5.0 * np.sin(np.pi * (t[lost] - 16.0) / 4.0)  # rotation past tolerance
    found = holds.find(t, dev, t > 2.0, rate, 3.6, interruptions=[(16.8, 19.2)]).holds
    _assert_timed(found, [(8.0, 32.0)])


def test_a_brief_large_fault_is_no_level_of_a_hold_found_without_a_way():
    """A hold of the generic kind (no way from the catalogue) of 1.8 degrees, and a
    fault 8 degrees further for two seconds in its middle (before faults are known): one
    hold, not the fault taken for the held level and the hold for rest."""
    rate = 50.0
    t = np.arange(0.0, 32.0, 1.0 / rate)
    dev = _held(t, 1.8, [(6.0, 25.0)])
    dev[:, 0], dev[:, 1] = dev[:, 1], 0.05 * np.sin(2 * np.pi * t / 4.0)  # held on rotation
    # Out in half a second, 7.5 degrees further for two and a half, back in half a second.
    dev[:, 0] += 7.5 * np.clip(np.minimum(t - 9.8, 13.3 - t) / 0.5, 0.0, 1.0)
    judged = (t >= 3.0) & (t <= 28.0)
    _assert_timed(holds.find(t, dev, judged, rate, 4.5, way=None), [(6.0, 25.0)])


def test_holds_stay_inside_the_judged_time():
    """Still held when the set ended (the end of the judged time): the hold found ends
    there, not where the patient let go after it."""
    rate = 50.0
    t = np.arange(0.0, 40.0, 1.0 / rate)
    dev = _held(t, 1.0, [(8.0, 32.0)])
    judged = (t >= 3.0) & (t <= 26.0)
    found = holds.find(t, dev, judged, rate, 3.6, way=(1, 1)).holds
    assert len(found) == 1
    assert found[0].start_s == pytest.approx(8.0, abs=0.3)
    assert found[0].end_s <= t[judged][-1]


def test_a_rest_drifted_the_other_way_from_the_hold_is_rest():
    """Between the second and third holds the rest sits half a degree the other side of
    the reference (as far from it as the holds): still rest."""
    rate = 50.0
    t = np.arange(0.0, 90.0, 1.0 / rate)
    spans = [(8.0, 22.0), (30.0, 45.0), (55.0, 70.0)]
    dev = _held(t, 0.6, spans)
    drift = np.clip((t - 44.0) / 2.0, 0, 1) * np.clip((57.0 - t) / 2.0, 0, 1)
    dev[:, 1] -= 0.5 * drift
    _assert_timed(holds.find(t, dev, t > 2.0, rate, 3.6), spans)


def test_hold_edges_under_deep_breaths():
    """Half a degree held, breaths of 0.3 degrees either way at rest (calmer while held),
    one every 4 s: the deviation moves as fast in a breath as into the hold, and the
    half-way crossings shift by up to a second. Each edge is still found within 0.1 s
    (the movement and the breathing either side fitted together)."""
    rate = 52.0
    t = np.arange(0.0, 80.0, 1.0 / rate)
    spans = [(8.9, 22.9), (31.9, 46.9), (55.9, 69.9)]
    held = _held(t, 0.5, spans, breath_deg=0.0)[:, 1] / 0.5  # 0 at rest, 1 held
    dev = np.zeros((len(t), 3))
    dev[:, 1] = 0.5 * held + np.sin(2 * np.pi * t / 4.0 + 1.0) * 0.3 * (1 - 0.6 * held)
    found = holds.find(t, dev, t > 2.0, rate, 3.6).holds
    _assert_timed(found, spans, within_s=0.1)


def test_a_lightly_held_hold_is_one_hold():
    """One hold at half the level of the others (0.48 deg): still a hold."""
    rate = 50.0
    t = np.arange(0.0, 100.0, 1.0 / rate)
    spans = [(8.0, 22.0), (30.0, 45.0), (55.0, 70.0), (78.0, 92.0)]
    dev = _held(t, 1.0, spans) - _held(t, 0.52, [spans[2]], breath_deg=0.0)
    _assert_timed(holds.find(t, dev, t > 2.0, rate, 3.6), spans)


def test_a_walk_is_not_an_exercise_and_the_generic_kind_counts_its_steps():
    path = REAL / "HA-001_Test5_Trial1.csv"
    rec = read_csv(path)
    bouts = json.loads(path.with_suffix(".json").read_text())["walking_bouts"]
    steps = sum(len(b["initial_contacts_s"]) for b in bouts)
    for ex in cat.EXERCISES:
        if ex.key == cat.REPS:
            continue
        r = analyze(rec, ex)
        walking = [(b["start_s"], b["end_s"]) for b in bouts]
        assert not [f for f in r.faults if any(f.start_s <= e and f.end_s >= s
                                               for s, e in walking)], ex.key
        assert r.reps == 0, ex.key
    generic = analyze(rec, cat.get(cat.REPS))
    inside = [x for x in generic.rep_times_s
              if any(b["start_s"] - 0.5 <= x <= b["end_s"] + 0.5 for b in bouts)]
    assert abs(len(inside) - steps) <= 1


def test_walking_is_found_in_daily_activities():
    path = REAL / "HA-002_Test11_Trial1.csv"
    rec = read_csv(path)
    bouts = json.loads(path.with_suffix(".json").read_text())["walking_bouts"]
    gait = motion.gait_mask(rec.accel, rec.gyro, rec.rate_hz)
    inside = np.zeros(len(rec.t), bool)
    for b in bouts:
        inside |= (rec.t >= b["start_s"]) & (rec.t <= b["end_s"])
    assert gait[inside].mean() > 0.8  # most of the reference's walking is seen as walking


def test_a_simulated_set_is_not_mistaken_for_walking():
    for key in ("corset_standing_arm", "upper_back_extension", "wall_flatten"):
        for errors in ("typical", "large"):
            sim = simulate(cat.get(key), 31, rate_hz=52.0, errors=errors)
            rec = sim.recording
            gait = motion.gait_mask(rec.accel, rec.gyro, rec.rate_hz)
            judged = (rec.t >= sim.truth["reference_s"]) & (rec.t <= sim.truth["set_end_s"])
            assert not gait[judged].any(), (key, errors)


def test_brisk_squats_are_not_walking():
    """Squats at 0.7-0.8 of a patient's tempo jolt the trunk at a step's rate and pitch
    the pelvis as fast as a stride turns it, but do not twist it: no walking, and the
    generic kind counts squats, not their jolts as steps."""
    for c in corpus_sets(6, (52.0,), "unseen", [cat.get(cat.REPS)], seed=3)[2::3]:
        sim = c.simulate()
        rec = sim.recording
        gait = motion.gait_mask(rec.accel, rec.gyro, rec.rate_hz)
        judged = (rec.t >= sim.truth["reference_s"]) & (rec.t <= sim.truth["set_end_s"])
        assert not gait[judged].any(), c.patient
        result = analyze(rec, c.exercise, end_s=sim.truth["set_end_s"])
        assert result.reps == sim.truth["reps"], c.patient


def test_never_still_means_nothing_is_judged():
    """A recording with no stillness has no reference: no set began, nothing is judged
    (the generic kind still counts what repeats)."""
    from korset.recording import Recording

    t = np.arange(0, 30, 1 / 52.0)
    wobble = np.radians(20.0) * np.sin(2 * np.pi * 0.7 * t)  # turning to and fro, 20 deg/s
    gyro = np.column_stack([0.5 * wobble, wobble, 0.3 * wobble])
    accel = np.column_stack([0.8 * np.sin(2 * np.pi * 1.3 * t), 0.0 * t,
                             9.80665 + 0.5 * np.cos(2 * np.pi * 1.3 * t)])
    rec = Recording(t, accel, gyro)
    assert not motion.still_mask(motion.quiet_mask(accel, gyro, 52.0), gyro, 52.0).any()
    for key in (3, 5, 1):
        r = analyze(rec, cat.get(key))
        assert r.faults == [] and r.reps == 0 and r.holds == []
        assert any("never still" in w.text for w in r.warnings)


def test_walking_from_the_first_judged_sample_judges_nothing_and_says_so():
    """Leaving the exercise from the judged time's first sample on: the note names that
    moment, not the recording's last sample (which t[stop - 1] gave)."""
    from korset.analysis import _left_exercise

    rate = 50.0
    t = np.arange(500) / rate
    q = np.tile([1.0, 0.0, 0.0, 0.0], (len(t), 1))
    notes = []
    stop = _left_exercise(t, q, np.ones(len(t), bool), np.zeros(len(t), bool), 0, len(t),
                          rate, notes)
    assert stop == 0
    assert notes[0].values == {"at_s": 0.0, "until_s": 0.0}
