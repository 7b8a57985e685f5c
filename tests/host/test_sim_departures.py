"""The simulator's perturbation families: each departure is there, sized as documented,
and changes nothing else (korset.sim.departures)."""

from __future__ import annotations

import numpy as np
import pytest

from korset.sim import departures as dp
from korset.sim.corpus import FAMILY_VARIANTS, corpus_sets
from korset.sim.simulate import simulate
from korsetfw import catalogue as cat

SEEDS = range(8)
REPS = cat.get("rock_back")
HOLDS = cat.get("wall_flatten")
SIDED = cat.get("corset_standing_arm")  # alternating sides
SIDED_AXIS = 0  # its signature turns (rotation) to the side of the arm raised


def _sim(ex, seed, name=None, **options):
    return simulate(ex, seed, rate_hz=26.0, departures=dp.family(name) if name else None,
                    **options)


@pytest.mark.parametrize("name", list(dp.FAMILIES))
def test_a_family_changes_only_what_it_names(name):
    """The patient, the sensor's draws and the plan's other draws stay the seed's: a
    family's set is the standard set with one departure."""
    kept = ("seed", "chip", "tempo_scale", "amplitude_scale", "sway_deg", "breath_deg",
            "heading_deg", "misalignment_deg", "clock_error")
    for seed in SEEDS[:3]:
        for ex in (REPS, HOLDS):
            standard, departed = _sim(ex, seed), _sim(ex, seed, name)
            assert {k: departed.params[k] for k in kept} == \
                {k: standard.params[k] for k in kept}
            assert departed.params["departures"]  # says which
            assert "departures" not in standard.params


def test_tempo_drifts_over_the_set():
    """The drift is up to +-40 % and shows in the repetitions' times: their trend has the
    drift's sign (the rests' own spread hides it in a few sets)."""
    agree = 0
    for seed in SEEDS:
        s = _sim(REPS, seed, "tempo_drift", reps=12)
        end = s.params["tempo_at_end"]
        assert 0.6 - 1e-9 <= end <= 1.4 + 1e-9 and abs(end - 1.0) >= 0.2 - 1e-9
        steps = np.diff(s.truth["rep_times_s"])
        slope = np.polyfit(np.arange(len(steps)), np.log(steps), 1)[0]
        agree += np.sign(slope) == np.sign(end - 1.0)
    assert agree >= 6


def test_pauses_stop_the_set_for_seconds():
    for seed in SEEDS:
        truth = _sim(REPS, seed, "pauses", reps=10).truth
        assert np.max(np.diff(truth["rep_times_s"])) > dp.PAUSE_S[0]


def test_rests_between_holds_are_shorter_than_the_holds():
    for seed in SEEDS:
        holds = _sim(HOLDS, seed, "short_rests").truth["holds"]
        for a, b in zip(holds, holds[1:], strict=False):
            rest = b["start_s"] - a["end_s"]
            assert rest < a["end_s"] - a["start_s"]


def test_the_rest_posture_drifts_up_to_its_size():
    for seed in SEEDS:
        s = _sim(REPS, seed, "rest_drift")
        start, end = s.deviation_deg[np.searchsorted(
            s.t_fine, [s.truth["reference_s"], s.truth["set_end_s"] - 0.5])]
        moved = np.linalg.norm(end - start)
        assert 0.4 < moved < dp.FAMILIES["rest_drift"].rest_drift_deg + 1.5


def test_breathing_runs_from_slow_to_fast():
    rates = [_sim(HOLDS, seed, "breathing").params["breath_hz"] * 60 for seed in range(20)]
    lo, hi = dp.FAMILIES["breathing"].breaths_per_min
    assert lo <= min(rates) and max(rates) <= hi
    assert min(rates) < 12 and max(rates) > 18  # beyond the standard 12-18


def test_sensor_offsets_reach_the_datasheets_limit():
    biggest = []
    for seed in SEEDS:
        s = _sim(HOLDS, seed, "offsets")
        still = s.recording.t < s.truth["reference_s"] - 0.5  # before the set: near still
        still &= s.recording.t > s.truth["reference_s"] - 1.0
        biggest.append(np.max(np.abs(np.degrees(np.median(s.recording.gyro[still], 0)))))
    assert max(biggest) > 15.0 and max(biggest) < 21.0


def test_the_belt_reseats_the_sensor_not_the_back():
    """After the adjustment the sensor sees gravity turned against what the back did
    (the tilt before the set and after it, from the accelerometer, against the truth)."""
    def mismatch_deg(s) -> float:
        t, accel = s.recording.t, s.recording.accel
        ref, end = s.truth["reference_s"], s.truth["set_end_s"]
        g0 = accel[(t > ref - 0.9) & (t < ref - 0.1)].mean(0)
        g1 = accel[(t > end - 0.9) & (t < end - 0.1)].mean(0)
        seen = np.degrees(np.arccos(np.clip(g0 @ g1 / np.linalg.norm(g0) / np.linalg.norm(g1),
                                            -1, 1)))
        dev = s.deviation_deg[np.searchsorted(s.t_fine, [ref - 0.5, end - 0.5])]
        return abs(seen - np.linalg.norm(np.diff(dev, axis=0)))

    adjusted = [mismatch_deg(_sim(REPS, seed, "belt_adjust", errors="none"))
                for seed in SEEDS]
    standard = [mismatch_deg(_sim(REPS, seed, errors="none")) for seed in SEEDS]
    for seed in SEEDS[:4]:
        at = _sim(REPS, seed, "belt_adjust").params["belt_adjusted_at_s"]
        truth = _sim(REPS, seed, "belt_adjust").truth
        assert truth["reference_s"] < at < truth["set_end_s"]
    assert max(standard) < 0.5  # breathing and sway only
    assert max(adjusted) > 0.8 and np.median(adjusted) > np.median(standard)


def test_blocked_sides_do_one_side_then_the_other():
    for seed in SEEDS:
        s = _sim(SIDED, seed, "sides_blocked", reps=8)
        times = np.array(s.truth["rep_times_s"])
        dev = s.deviation_deg[np.searchsorted(s.t_fine, times)]
        sided = dev[:, SIDED_AXIS]
        signs = np.sign(sided)
        assert len(set(signs[:4])) == 1 and len(set(signs[4:])) == 1 and signs[0] != signs[-1]


def test_every_family_has_its_own_corpus_seeds():
    seen: set[int] = set()
    for variant in ("standard", "unseen", *FAMILY_VARIANTS):
        seeds = {c.seed for c in corpus_sets(50, (52.0,), variant)}
        assert not seeds & seen, variant
        seen |= seeds
