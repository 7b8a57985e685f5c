"""Recordings of an hour and more: the orientation must not drift, and the result says
that it is no single set.

Found by a user with a 57-minute set: exact for 40 minutes, then one "fault" for the
rest of the set (tilt corrected by the sine of its angle, which an hour's drift made
large); a 2-hour file had one fault of 1305 s at +35 degrees.
"""

from __future__ import annotations

import numpy as np
import pytest

from korset.analysis import analyze, orientation
from korset.sim.simulate import simulate
from korsetfw import catalogue as cat

WINDOW_S = 600.0  # the deviation is compared with the truth in windows of ten minutes


@pytest.mark.parametrize("key,seed,errors,count", [
    ("rock_back", 5, "typical", {"reps": 700}),  # about an hour on all fours
    ("wall_flatten", 9, "large", {"holds": 150}),  # an hour standing, 3 deg/s gyro bias
    ("corset_supine", 21, "typical", {"holds": 140}),  # lying down, held in place
])
def test_an_hour_does_not_drift(key, seed, errors, count):
    ex = cat.get(key)
    sim = simulate(ex, seed, rate_hz=52.0, errors=errors, **count)
    assert sim.recording.duration_s > 3000  # the case: longer than the pieces and then some
    r = analyze(sim.recording, ex)
    t = r.trace.t
    est = np.stack([r.trace.columns[a] for a in orientation.AXES], -1)
    truth = np.stack([np.interp(t, sim.t_fine, sim.deviation_deg[:, i]) for i in range(3)],
                     -1)
    judged = (t >= sim.truth["reference_s"]) & (t <= sim.truth["set_end_s"])
    worst = 0.0
    for start in np.arange(sim.truth["reference_s"], sim.truth["set_end_s"], WINDOW_S):
        window = judged & (t >= start) & (t < start + WINDOW_S)
        if window.sum() > 100:
            rms = np.sqrt(np.mean((est[window] - truth[window]) ** 2, axis=0))
            worst = max(worst, float(rms[[orientation.AXES.index(a) for a in ex.axes]].max()))
    assert worst < 1.2, f"the deviation is off by {worst:.2f} degrees rms in a window"
    # Every fault found is a true one, and the last ten minutes are judged as the first.
    true_faults = sim.truth["faults"]
    for f in r.faults:
        assert any(tf["start_s"] - 1.5 <= f.start_s <= tf["end_s"] + 1.5
                   for tf in true_faults), f
    assert len(r.faults) >= 0.9 * len(true_faults)
    assert max((f.end_s - f.start_s for f in r.faults), default=0.0) < 30.0
    # ... and the result says that this was many sets' worth.
    assert "long_recording" in [n.code for n in r.warnings]


def test_a_set_of_minutes_is_not_called_long():
    ex = cat.get("rock_back")
    r = analyze(simulate(ex, 3, rate_hz=52.0).recording, ex)
    assert "long_recording" not in [n.code for n in r.warnings]
