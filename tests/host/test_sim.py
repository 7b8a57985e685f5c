"""Physics invariants and ground-truth consistency of the motion simulator."""

import numpy as np
import pytest

from korset.recording import STANDARD_GRAVITY
from korset.sim import kinematics as kin
from korset.sim import sensor as sen
from korset.sim import simulate
from korset.sim.movements import AXIS_INDEX
from korsetfw import catalogue as cat

DEG = np.pi / 180


@pytest.fixture(scope="module")
def ideal():
    """Exercise 3 with an ideal sensor: what the kinematics alone produce."""
    return simulate(cat.get(3), seed=7, errors="none", buzz=False)


def test_static_specific_force_is_g(ideal):
    rec, truth = ideal.recording, ideal.truth
    still = (rec.t > truth["reference_s"] - 0.5) & (rec.t < truth["reference_s"] + 0.5)
    assert np.allclose(np.linalg.norm(rec.accel[still], axis=1), STANDARD_GRAVITY, atol=0.02)
    # Independent check of the formula: constant position, any attitude -> |f| = g.
    t = np.linspace(0, 1, 200)
    r = kin.deviation_rotation(0.3 * t, 0.5 * np.sin(t), -0.2 * t)
    f = kin.specific_force(t, r, np.zeros((200, 3)))
    assert np.allclose(np.linalg.norm(f, axis=1), STANDARD_GRAVITY)


def test_quadruped_gravity_points_along_minus_x(ideal):
    rec, truth = ideal.recording, ideal.truth
    still = (rec.t > truth["reference_s"] - 0.5) & (rec.t < truth["reference_s"] + 0.5)
    mean = rec.accel[still].mean(0) / STANDARD_GRAVITY
    assert mean[0] < -0.99  # facing the floor: "up" is posterior


def test_integrating_the_gyro_reproduces_the_attitude(ideal):
    """Propagate the attitude with the simulated gyro alone; compare with the truth."""
    s = ideal
    r_ref = kin.rz(s.params["heading_deg"] * DEG) @ kin.ry(88 * DEG)
    r_true = r_ref @ kin.deviation_rotation(*(s.deviation_deg * DEG).T)
    # On the fine grid: exact to numerical precision.
    r_end = kin.integrate_gyro(s.t_fine, kin.angular_rate(s.t_fine, r_true), r_true[0])
    err = np.degrees(np.linalg.norm(kin.log_so3(r_end.T @ r_true[-1])))
    assert err < 1e-3
    # From the recording's samples (104 Hz): within a few hundredths of a degree.
    rec = s.recording
    k0 = np.searchsorted(s.t_fine, rec.t[0])
    k1 = np.searchsorted(s.t_fine, rec.t[-1])
    r_end = kin.integrate_gyro(rec.t, rec.gyro, r_true[k0])
    err = np.degrees(np.linalg.norm(kin.log_so3(r_end.T @ r_true[k1])))
    assert err < 0.1, err


def test_deviation_angles_round_trip():
    rng = np.random.default_rng(3)
    angles = rng.uniform(-0.6, 0.6, (50, 3))
    assert np.allclose(kin.deviation_angles(kin.deviation_rotation(*angles.T)), angles)


def test_same_seed_same_everything_other_seed_other_patient():
    a = simulate(cat.get(8), seed=11)
    b = simulate(cat.get(8), seed=11)
    c = simulate(cat.get(8), seed=12)
    assert np.array_equal(a.recording.accel, b.recording.accel) and a.truth == b.truth
    assert a.truth != c.truth


@pytest.mark.parametrize("rate", [52.0, 104.0])
@pytest.mark.parametrize("ex", cat.EXERCISES, ids=lambda e: e.key)
def test_every_exercise_simulates_with_consistent_truth(ex, rate):
    s = simulate(ex, seed=5, rate_hz=rate)
    rec, truth = s.recording, s.truth
    assert np.all(np.isfinite(rec.accel)) and np.all(np.isfinite(rec.gyro))
    actual_rate = 1 / np.median(np.diff(rec.t))
    assert abs(actual_rate / rate - 1 - s.params["clock_error"]) < 1e-3
    assert truth["posture"] in cat.POSTURES
    t0, t1 = truth["reference_s"], truth["set_end_s"]
    if ex.kind == cat.REPS:
        assert ex.reps[0] <= truth["reps"] <= ex.reps[1] and not truth["holds"]
        times = truth["rep_times_s"]
        assert len(times) == truth["reps"] and np.all(np.diff(times) > 1.0)
        assert t0 < times[0] and times[-1] < t1
    else:
        assert truth["reps"] == 0 and len(truth["holds"]) == ex.holds
        for h in truth["holds"]:
            assert t0 < h["start_s"] and h["end_s"] < t1
            assert ex.hold_s[0] * 0.95 < h["end_s"] - h["start_s"] < ex.hold_s[1] * 1.2 + 2
    for f in truth["faults"]:
        tol = truth["tolerance_deg"][f["axis"]]
        assert abs(f["peak_deg"]) > tol and t0 <= f["start_s"] <= f["end_s"] <= t1


def test_faults_are_clear_and_the_rest_is_well_inside():
    """Injected faults exceed the tolerance by >= 1 deg; nothing else comes near it."""
    for seed in range(12):
        for n in (2, 3, 6, 8, 9):
            s = simulate(cat.get(n), seed=seed, fault_rate=0.3)
            tol = s.truth["tolerance_deg"]
            for f in s.truth["faults"]:
                assert abs(f["peak_deg"]) >= tol[f["axis"]] + 0.9, (n, seed, f)
            for axis, t in tol.items():
                dev = s.monitored_deg[:, AXIS_INDEX[axis]].copy()
                for f in s.truth["faults"]:
                    dev[(s.t_fine >= f["start_s"] - 1.5) & (s.t_fine <= f["end_s"] + 1.5)] = 0
                assert np.nanmax(np.abs(dev)) < 0.85 * t, (n, seed, axis)


def test_fault_rate_and_tolerance_options():
    none = simulate(cat.get(3), seed=4, fault_rate=0.0)
    many = simulate(cat.get(3), seed=4, fault_rate=1.0, reps=15)
    assert none.truth["faults"] == [] and len(many.truth["faults"]) == 15
    wide = simulate(cat.get(3), seed=4, tolerance_deg=9.0)
    assert wide.truth["tolerance_deg"] == {"flexion": 9.0}


def test_sensor_noise_matches_datasheet_density():
    rng = np.random.default_rng(0)
    chip = sen.CHIPS["lsm6dsox"]
    errs = sen.SensorErrors.none()
    t = np.arange(0, 200, 1 / 104)
    zero = np.zeros((len(t), 3))
    zero[:, 2] = STANDARD_GRAVITY
    f, w = sen.measure(t, zero, zero * 0, errs, chip, 104.0, rng)
    expected_a = 70e-6 * STANDARD_GRAVITY * np.sqrt(52)
    expected_g = 3.8e-3 * DEG * np.sqrt(52)
    assert abs(np.std(f[:, 0]) / expected_a - 1) < 0.1
    assert abs(np.std(w[:, 0]) / expected_g - 1) < 0.15
    # Quantised at the full-scale range: every value is a whole number of LSBs.
    lsb = STANDARD_GRAVITY * 122e-6
    assert np.allclose(f / lsb, np.round(f / lsb))


def test_misalignment_tilts_the_measured_gravity():
    s = simulate(cat.get(6), seed=21, errors="typical")
    ideal = simulate(cat.get(6), seed=21, errors="none")
    still = (s.recording.t > s.truth["reference_s"] - 0.5) & \
        (s.recording.t < s.truth["reference_s"] + 0.5)
    a = s.recording.accel[still].mean(0)
    b = ideal.recording.accel[(ideal.recording.t > s.truth["reference_s"] - 0.5)
                               & (ideal.recording.t < s.truth["reference_s"] + 0.5)].mean(0)
    angle = np.degrees(np.arccos(a @ b / np.linalg.norm(a) / np.linalg.norm(b)))
    assert 0.2 < angle <= s.params["misalignment_deg"] + 0.5


def test_motor_vibration_only_while_buzzing():
    s = simulate(cat.get(3), seed=4, fault_rate=1.0, reps=15, errors="none", buzz=True)
    quiet = simulate(cat.get(3), seed=4, fault_rate=1.0, reps=15, errors="none", buzz=False)
    diff = np.linalg.norm(s.recording.accel - quiet.recording.accel, axis=1)
    f = s.truth["faults"][0]
    t = s.recording.t
    assert diff[(t > f["start_s"] + 0.2) & (t < f["end_s"])].std() > 0.5
    assert np.all(diff[t < f["start_s"]] == 0)
