"""Gaps in a recording's time (korset.recording.gaps): never spaced evenly, never a mean
rate over them; analyze, replay and export refuse them naming where and how long."""

from __future__ import annotations

import numpy as np
import pytest

from korset import inputs
from korset import session as sess
from korset.cli import main
from korset.recording import Recording, gaps, write_csv
from korset.sim.simulate import simulate
from korsetfw import catalogue as cat


@pytest.fixture(scope="module")
def gapped(tmp_path_factory):
    """Seven repetitions, then 600 s of nothing in the middle (a logger paused)."""
    rec = simulate(cat.get(2), 31, rate_hz=52.0, reps=7).recording
    half = len(rec) // 2
    t = rec.t.copy()
    t[half:] += 600.0
    path = tmp_path_factory.mktemp("gap") / "gap.csv"
    write_csv(Recording(t, rec.accel, rec.gyro), path)
    return {"path": path, "rec": rec, "half": half, "at_s": float(rec.t[half - 1] - rec.t[0])}


def test_load_refuses_a_gap_naming_where_and_how_long(gapped):
    with pytest.raises(inputs.InputError) as e:
        inputs.load(gapped["path"])
    message = str(e.value)
    assert f"after {gapped['at_s']:.3f} s" in message and "600 s" in message
    row = gapped["half"] + 1
    assert f"rows up to {row - 1}, and from {row}" in message and "split the file" in message


def test_analyze_replay_and_export_refuse_it(gapped, tmp_path, capsys):
    assert main(["analyze", str(gapped["path"]), "-e", "2"]) == 1
    assert "split the file" in capsys.readouterr().err
    assert main(["replay", str(gapped["path"]), "-e", "2"]) == 1
    assert "split the file" in capsys.readouterr().err
    out = tmp_path / "gap.kss"
    assert main(["export", str(gapped["path"]), "--session", str(out)]) == 1
    assert "600 s" in capsys.readouterr().err and not out.exists()


def test_a_session_is_never_made_across_a_gap(gapped):
    rec = gapped["rec"]
    t = rec.t.copy()
    t[gapped["half"]:] += 600.0
    with pytest.raises(sess.SessionError, match="600 s .*cannot hold"):
        sess.from_recording(Recording(t, rec.accel, rec.gyro))


def test_with_gaps_allowed_each_is_a_warning_and_the_rate_is_the_samples(gapped):
    loaded = inputs.load(gapped["path"], allow_gaps=True)
    assert [g.index for g in loaded.gaps] == [gapped["half"]]
    note = [w for w in loaded.warnings if w.code == "gap"]
    assert len(note) == 1 and note[0].values["length_s"] == pytest.approx(600, abs=0.1)
    assert loaded.recording.rate_hz == pytest.approx(gapped["rec"].rate_hz, rel=1e-4)


def test_jitter_and_a_dropped_sample_are_no_gap():
    rng = np.random.default_rng(4)
    t = np.arange(5000) / 100.0 + rng.normal(0, 0.002, 5000)
    t = np.sort(t)
    t = np.delete(t, [100, 2000, 2001, 4000])  # one and two samples lost
    assert gaps(t) == []
    assert gaps(np.delete(t, range(300, 305))) != []  # five lost: a gap


@pytest.mark.parametrize("seed", range(12))
def test_simulated_sets_have_no_gaps(seed):
    ex = [*range(1, 10), "reps", "hold"][seed % 11]
    r = simulate(cat.get(ex), 300 + seed, rate_hz=(26.0, 52.0, 104.0)[seed % 3],
                 errors="large").recording
    assert gaps(r.t) == []


@pytest.mark.parametrize("dropped", [5, 7, 9])  # 0.12-0.19 s at 52 Hz
def test_a_few_dropped_samples_are_filled_in_and_said(dropped, tmp_path):
    """A logger or radio dropping a few samples (a fifth of a second at most,
    korset.analysis.checks.Checks.bridge_gap_s): the recording is not lost. The samples
    come back at their own times, the set counts as without the drop, and a note says so;
    a session can hold it."""
    ex = cat.get(3)
    rec = simulate(ex, 5, rate_hz=52.0).recording
    keep = np.ones(len(rec), bool)
    at = len(rec) // 2
    keep[at:at + dropped] = False
    path = tmp_path / "dropped.csv"
    write_csv(Recording(rec.t[keep], rec.accel[keep], rec.gyro[keep]), path)
    loaded = inputs.load(path)
    assert [n.code for n in loaded.warnings] == ["gap_filled"]
    assert len(loaded.recording) == len(rec)
    assert np.allclose(loaded.recording.t, rec.t - rec.t[0], atol=1e-4)
    assert not gaps(loaded.recording.t)
    from korset.analysis import analyze

    assert analyze(loaded.recording, ex).reps == analyze(rec, ex).reps
    assert main(["export", str(path), "--session", str(tmp_path / "d.kss")]) == 0


def test_a_gap_longer_than_a_fifth_of_a_second_is_still_refused(tmp_path):
    rec = simulate(cat.get(3), 5, rate_hz=52.0).recording
    keep = np.ones(len(rec), bool)
    keep[len(rec) // 2:len(rec) // 2 + 15] = False  # 0.3 s at 52 Hz
    path = tmp_path / "long.csv"
    write_csv(Recording(rec.t[keep], rec.accel[keep], rec.gyro[keep]), path)
    with pytest.raises(inputs.InputError, match="split the file there"):
        inputs.load(path)
