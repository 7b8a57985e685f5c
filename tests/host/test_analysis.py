"""The offline analysis's numeric core, checked against the simulator's truth and real data.

Each check can fail: the truth comes from the simulator's kinematics (or the
real recordings' independent reference system), never from the analysis.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from korset.analysis import analyze, motion, orientation
from korset.recording import read_csv
from korset.sim import kinematics as kin
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


def test_repetitions_are_counted_across_the_catalogue():
    """One simulated patient per repetition exercise: the count is right for most and never
    more than one off (the bench measures the rates over many patients)."""
    errors = []
    for ex in cat.EXERCISES:
        if ex.kind != cat.REPS or ex.key == cat.REPS:
            continue
        sim = simulate(ex, 1_000_000 + 1000 * cat.EXERCISES.index(ex) + 7, rate_hz=104.0)
        errors.append(analyze(sim.recording, ex).reps - sim.truth["reps"])
    assert max(abs(e) for e in errors) <= 1, errors
    assert sum(e == 0 for e in errors) >= len(errors) - 2, errors


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
        assert any("never still" in w for w in r.warnings)
