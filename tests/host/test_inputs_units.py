"""A CSV's units judged from physics (korset.analysis.checks), the same in analyze, replay
and export: a wrong unit is refused with the option that converts it, the right one never.

The property tests convert seeded simulated sets (every exercise kind, three rates, the
simulator's sensor error levels) and the real recordings to each wrong unit.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from korset import inputs
from korset.analysis import checks
from korset.cli import main
from korset.recording import STANDARD_GRAVITY, Recording, write_csv
from korset.sim.simulate import simulate
from korsetfw import catalogue as cat

REAL = sorted(Path(__file__).parents[1].joinpath("data", "real").rglob("*.csv"))
SHARED = sorted(Path(__file__).parents[3].joinpath("shared", "data", "real").rglob("*.csv"))
EXERCISES = [*range(1, 10), "reps", "hold"]
ERRORS = ("typical", "large", "none")


def family(i: int) -> tuple[int | str, int, float, str]:
    """The i-th seeded set: every exercise, rates 26/52/104 Hz, each error level."""
    return EXERCISES[i % len(EXERCISES)], 100 + i, (26.0, 52.0, 104.0)[i % 3], \
        ERRORS[(i // 3) % 3]


SETS = [family(i) for i in range(33)]


def recording(ex, seed, rate, errors) -> Recording:
    return simulate(cat.get(ex), seed, rate_hz=rate, errors=errors).recording


def write(path: Path, rec: Recording, *, t_scale=1.0, t0=0.0, a_scale=1.0,
          g_scale=1.0) -> Path:
    """``rec`` written in other units: t / t_scale + t0, accel / a_scale, gyro / g_scale."""
    data = np.column_stack([rec.t / t_scale + t0, rec.accel / a_scale, rec.gyro / g_scale])
    np.savetxt(path, data, delimiter=",", header="t,ax,ay,az,gx,gy,gz", comments="",
               fmt=["%.9f"] + ["%.9g"] * 6)
    return path


def refused(path: Path, match: str, **units) -> str:
    with pytest.raises(inputs.InputError, match=match) as e:
        inputs.load(path, **units)
    assert "\n" not in str(e.value)
    return str(e.value)


DEG = np.pi / 180


# -- one case each, as users met them ---------------------------------------------------

@pytest.fixture(scope="module")
def slow(tmp_path_factory):
    """Slow repetitions (tempo x2) in deg/s where rad/s belong: 5-6 "rad/s" at most."""
    rec = simulate(cat.get(2), 11, rate_hz=52.0, tempo_scale=2.0).recording
    d = tmp_path_factory.mktemp("slow")
    degrees = write(d / "degrees.csv", rec, g_scale=DEG)
    assert np.percentile(np.abs(np.degrees(rec.gyro)), 99) < 20  # no extreme gives it away
    return {"rec": rec, "degrees": degrees, "right": write(d / "right.csv", rec)}


def test_gyro_in_degrees_is_refused_naming_the_option(slow, capsys):
    message = refused(slow["degrees"], r"in deg/s\? give --gyro-unit deg/s")
    assert "times as far" in message  # how far off it is
    assert inputs.load(slow["degrees"], gyro_unit="deg/s").warnings == []
    assert main(["analyze", str(slow["degrees"]), "-e", "2"]) == 1
    assert "--gyro-unit deg/s" in capsys.readouterr().err


def test_gyro_in_radians_said_to_be_degrees_is_refused(slow):
    refused(slow["right"], r"in rad/s\? give --gyro-unit rad/s \(the default\), or drop "
            r"--gyro-unit deg/s", gyro_unit="deg/s")


def test_replay_and_export_check_units_as_analyze(slow, tmp_path, capsys):
    assert main(["replay", str(slow["degrees"]), "-e", "2"]) == 1
    assert "--gyro-unit deg/s" in capsys.readouterr().err
    out = tmp_path / "s.kss"
    assert main(["export", str(slow["degrees"]), "--session", str(out)]) == 1
    assert "--gyro-unit deg/s" in capsys.readouterr().err and not out.exists()
    assert main(["export", str(slow["degrees"]), "--session", str(out),
                 "--gyro-unit", "deg/s"]) == 0
    assert out.exists()


def test_time_in_ms_is_refused_naming_the_option(slow, tmp_path, capsys):
    ms = write(tmp_path / "ms.csv", slow["rec"], t_scale=0.001)
    refused(ms, r"in ms .*\? give --time-unit ms")
    assert main(["analyze", str(ms), "-e", "2"]) == 1
    err = capsys.readouterr().err
    assert "--time-unit ms" in err and "Wn" not in err
    assert main(["replay", str(ms), "-e", "2"]) == 1  # at once, not after minutes
    assert "--time-unit ms" in capsys.readouterr().err
    loaded = inputs.load(ms, time_unit="ms")
    np.testing.assert_allclose(loaded.recording.t, slow["rec"].t - slow["rec"].t[0],
                               atol=1e-9)


def test_unix_time_counts_from_the_first_sample(slow, tmp_path, capsys):
    unix = write(tmp_path / "unix.csv", slow["rec"], t0=1.7e9)
    loaded = inputs.load(unix)
    assert loaded.t0_s == pytest.approx(1.7e9)
    np.testing.assert_allclose(loaded.recording.t, slow["rec"].t - slow["rec"].t[0],
                               atol=1e-5)
    # Unix milliseconds: the unit is said, and the start is no matter.
    unix_ms = write(tmp_path / "unix_ms.csv", slow["rec"], t_scale=0.001, t0=1.7e12)
    refused(unix_ms, r"give --time-unit ms")
    np.testing.assert_allclose(inputs.load(unix_ms, time_unit="ms").recording.t,
                               slow["rec"].t - slow["rec"].t[0], atol=1e-5)


def test_replay_of_unix_time_runs_on_the_recordings_clock(tmp_path, capsys):
    rec = simulate(cat.get(6), 5, rate_hz=52.0, reps=3).recording
    unix = write(tmp_path / "unix.csv", rec, t0=1.7e9)
    assert main(["replay", str(unix), "-e", "6", "--json"]) == 0
    import json

    r = json.loads(capsys.readouterr().out)
    assert r["reference_s"] is not None and r["reference_s"] < rec.t[-1]


def test_accel_in_g_is_refused_naming_the_option(slow, tmp_path):
    in_g = write(tmp_path / "g.csv", slow["rec"], a_scale=STANDARD_GRAVITY)
    refused(in_g, r"in g\? give --accel-unit g")
    refused(slow["right"], r"in m/s2\? give --accel-unit m/s2 \(the default\)", accel_unit="g")


def test_every_wrong_unit_is_said_at_once(slow, tmp_path):
    other = write(tmp_path / "other.csv", slow["rec"], t_scale=0.001, a_scale=STANDARD_GRAVITY,
                  g_scale=DEG)
    message = refused(other, "--time-unit ms")
    assert "--accel-unit g" in message and "--gyro-unit deg/s" in message
    inputs.load(other, time_unit="ms", accel_unit="g", gyro_unit="deg/s")


def test_gravity_taken_out_is_refused(tmp_path):
    t = np.arange(2000) / 52.0
    rng = np.random.default_rng(1)
    rec = Recording(t, rng.normal(0, 0.05, (2000, 3)), rng.normal(0, 0.1, (2000, 3)))
    path = tmp_path / "linear.csv"
    write_csv(rec, path)
    refused(path, "gravity taken out")


def test_a_still_recording_tells_nothing_and_is_not_refused(tmp_path):
    """Nothing turns: the gyro's unit cannot be told, and nothing is said either way."""
    n = 52 * 60
    rng = np.random.default_rng(2)
    accel = np.array([0.0, 0.0, STANDARD_GRAVITY]) + rng.normal(0, 0.02, (n, 3))
    gyro = rng.normal(0, 0.002, (n, 3)) + [0.004, -0.003, 0.001]
    rec = Recording(np.arange(n) / 52.0, accel, gyro)
    for scale in (1.0, DEG):
        path = write(tmp_path / f"still{scale:.3f}.csv", rec, g_scale=scale)
        assert inputs.load(path).warnings == []
        assert inputs.load(path, gyro_unit="deg/s").warnings == []
    fit = checks.fit_gyro_scale(rec.t, rec.accel, rec.gyro)
    assert fit.explained < checks.CHECKS.gyro_min_explained


# -- properties over families of sets, and real recordings ---------------------------

@pytest.mark.parametrize("ex, seed, rate, errors", SETS)
def test_the_right_units_pass_and_every_wrong_one_is_refused(tmp_path, ex, seed, rate, errors):
    rec = recording(ex, seed, rate, errors)
    right = write(tmp_path / "right.csv", rec)
    assert not [w for w in inputs.load(right).warnings if w.code.endswith("_unit")]
    assert inputs.load(right).recording.rate_hz == pytest.approx(rec.rate_hz)
    refused(right, "--gyro-unit rad/s", gyro_unit="deg/s")
    refused(right, "--accel-unit m/s2", accel_unit="g")
    refused(right, "--time-unit s", time_unit="ms")
    deg = write(tmp_path / "deg.csv", rec, g_scale=DEG)
    refused(deg, "give --gyro-unit deg/s")
    inputs.load(deg, gyro_unit="deg/s")
    g = write(tmp_path / "g.csv", rec, a_scale=STANDARD_GRAVITY)
    refused(g, "give --accel-unit g")
    inputs.load(g, accel_unit="g")
    ms = write(tmp_path / "ms.csv", rec, t_scale=0.001, t0=1.7e12)
    refused(ms, "give --time-unit ms")
    inputs.load(ms, time_unit="ms")


@pytest.mark.parametrize("path", REAL + SHARED, ids=lambda p: f"{p.parents[3].name}/{p.name}")
def test_real_recordings_pass_in_their_units_and_no_wrong_one_does(path):
    loaded = inputs.load(path)
    assert loaded.warnings == [] and loaded.gaps == []
    refused(path, "--accel-unit m/s2", accel_unit="g")
    refused(path, "--time-unit s", time_unit="ms")
    fit = checks.fit_gyro_scale(loaded.recording.t, loaded.recording.accel,
                                loaded.recording.gyro)
    c = checks.CHECKS
    if fit.explained >= c.gyro_min_explained and fit.steady_s >= c.gyro_min_steady_s:
        refused(path, "--gyro-unit rad/s", gyro_unit="deg/s")
    else:  # a short walk: its tilts are small against its accelerations; nothing is said
        assert inputs.load(path, gyro_unit="deg/s").warnings == []


@pytest.mark.parametrize("ex, seed, rate, errors", SETS[::5])
def test_a_gyro_unrelated_to_the_tilt_tells_nothing(ex, seed, rate, errors):
    """The gyro shifted in time against the accelerometer: no unit can be told from it."""
    rec = recording(ex, seed, rate, errors)
    for share in (0.23, 0.77):
        gyro = np.roll(rec.gyro, int(share * len(rec)), axis=0)
        fit = checks.fit_gyro_scale(rec.t, rec.accel, gyro)
        assert fit.explained < checks.CHECKS.gyro_min_explained, (share, fit)
        for table_unit in ("rad/s", "deg/s"):
            finding = checks.gyro_unit(rec.t, rec.accel, gyro * inputs.GYRO_UNITS[table_unit],
                                       inputs.GYRO_UNITS, table_unit, "rad/s")
            assert finding is None or not finding.error


def test_the_long_real_recordings_tell_the_gyro_unit():
    told = 0
    for path in REAL:
        r = inputs.load(path).recording
        fit = checks.fit_gyro_scale(r.t, r.accel, r.gyro)
        told += fit.explained >= checks.CHECKS.gyro_min_explained and \
            fit.steady_s >= checks.CHECKS.gyro_min_steady_s
    assert told >= 3  # the three daily-activity recordings (2.5-4 min)


def test_a_gyro_turning_against_the_tilt_is_a_warning_not_a_unit(slow, tmp_path):
    flipped = write(tmp_path / "flipped.csv", slow["rec"], g_scale=-1.0)
    codes = [w.code for w in inputs.load(flipped).warnings]
    assert codes == ["gyro_accel_disagree"]


def test_the_options_name_the_units_the_reader_converts():
    """The command-line options list the units without importing numpy; they must be the
    reader's own tables (korset.inputs), no more and no fewer."""
    from korset.commands import _csvunits

    assert set(_csvunits.ACCEL_UNITS) == set(inputs.ACCEL_UNITS)
    assert set(_csvunits.GYRO_UNITS) == set(inputs.GYRO_UNITS)
    assert set(_csvunits.TIME_UNITS) == set(inputs.TIME_UNITS)
