"""Impossible numbers are refused on the command line, in one line, before anything runs;
the library functions behind the commands refuse the same with a ValueError."""

import argparse

import pytest

from korset.cli import main
from korset.commands import _types

# (command line, the option the one line names). Each would have run (and crashed, or
# done something meaningless) before the options had ranges.
IMPOSSIBLE = [
    (["sim", "-e", "3", "-o", "x.csv", "--seed", "-1"], "--seed"),
    (["sim", "-e", "3", "-o", "x.csv", "--seed", str(2**32)], "--seed"),
    (["sim", "-e", "3", "-o", "x.csv", "--rate", "0"], "--rate"),
    (["sim", "-e", "3", "-o", "x.csv", "--rate", "-104"], "--rate"),
    (["sim", "-e", "3", "-o", "x.csv", "--rate", "5000"], "--rate"),
    (["sim", "-e", "3", "-o", "x.csv", "--rate", "nan"], "--rate"),
    (["sim", "-e", "3", "-o", "x.csv", "--tempo", "-2"], "--tempo"),
    (["sim", "-e", "3", "-o", "x.csv", "--tempo", "0"], "--tempo"),
    (["sim", "-e", "3", "-o", "x.csv", "--reps", "0"], "--reps"),
    (["sim", "-e", "3", "-o", "x.csv", "--reps", "-3"], "--reps"),
    (["sim", "-e", "1", "-o", "x.csv", "--holds", "-1"], "--holds"),
    (["sim", "-e", "3", "-o", "x.csv", "--fault-rate", "2"], "--fault-rate"),
    (["sim", "-e", "3", "-o", "x.csv", "--tolerance", "0"], "--tolerance"),
    (["sim", "-e", "3", "-o", "x.csv", "--tolerance", "-1"], "--tolerance"),
    (["sim", "--corpus", "c", "--patients", "0"], "--patients"),
    (["sim", "--corpus", "c", "--patients", "1001"], "--patients"),
    (["sim", "--corpus", "c", "--rates", "52,0"], "--rates"),
    (["sim", "--corpus", "c", "--rates", "52,52"], "--rates"),
    (["sim", "--corpus", "c", "--rates", "52.5"], "--rates"),
    (["demo", "--seed", "-1"], "--seed"),
    (["demo", "--reps", "0"], "--reps"),
    (["demo", "--speed", "-1"], "--speed"),
    (["bench", "firmware", "--rate", "0"], "--rate"),
    (["bench", "firmware", "--rate", "100"], "--rate"),
    (["bench", "firmware", "--seconds", "0"], "--seconds"),
    (["bench", "firmware", "--seconds", "-5"], "--seconds"),
    (["bench", "storage", "--patients", "-1"], "--patients"),
    (["bench", "detection", "--rates", "0"], "--rates"),
    (["bench", "analysis", "--seed", "-1"], "--seed"),
    (["scan", "--seconds", "0"], "--seconds"),
    (["scan", "--seconds", "-1"], "--seconds"),
    (["live", "--rate", "0"], "--rate"),
    (["live", "--rate", "100"], "--rate"),
    (["live", "--seconds", "-1"], "--seconds"),
    (["start", "-e", "3", "--tolerance", "0"], "--tolerance"),
    (["start", "-e", "3", "--tolerance", "90"], "--tolerance"),
]


@pytest.mark.parametrize("argv, option", IMPOSSIBLE, ids=[" ".join(a) for a, _ in IMPOSSIBLE])
def test_an_impossible_number_is_one_line_and_nothing_runs(argv, option, tmp_path,
                                                           monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("KORSET_HOME", str(tmp_path / "home"))
    with pytest.raises(SystemExit) as e:
        main(argv)
    assert e.value.code == 2
    captured = capsys.readouterr()
    lines = captured.err.strip().splitlines()
    assert len(lines) == 1, captured.err
    assert lines[0].startswith(f"korset {argv[0]}: ") and option in lines[0]
    assert any(w in lines[0] for w in ("must be", "twice", "invalid choice"))
    assert "Traceback" not in captured.err and not captured.out
    assert not list(tmp_path.iterdir())  # nothing written, nothing started


def test_the_bounds_are_the_firmwares():
    from korsetfw import protocol, settings
    from korsetfw.lsm6dsox import LSM6DSOX

    assert _types.TOLERANCE_RANGE_DEG == settings.TOLERANCE_RANGE_DEG
    assert _types.LIVE_RATE_RANGE_HZ == protocol.LIVE_RATES_HZ
    assert _types.LSM6DSOX_RATES_HZ == LSM6DSOX.RATES_HZ


def test_types_name_the_unit_and_accept_the_edges():
    rate = _types.imu_rate_hz
    assert rate("25") == 25.0 and rate("833") == 833.0
    with pytest.raises(argparse.ArgumentTypeError, match="Hz"):
        rate("24.9")
    assert _types.seed("0") == 0 and _types.seed(str(2**32 - 1)) == 2**32 - 1
    with pytest.raises(argparse.ArgumentTypeError, match="whole number"):
        _types.seed("1.5")
    seconds = _types.positive_float("s", 10.0)
    assert seconds("0.001") == 0.001 and seconds("10") == 10.0
    with pytest.raises(argparse.ArgumentTypeError, match="more than 0 and at most 10 s"):
        seconds("0")
    with pytest.raises(argparse.ArgumentTypeError, match="finite"):
        seconds("inf")
    assert _types.rate_list()("52, 104") == (52.0, 104.0)


def test_a_usage_error_is_one_line_too(capsys):
    with pytest.raises(SystemExit) as e:
        main(["sim", "--chip", "bmi270"])
    err = capsys.readouterr().err.strip().splitlines()
    assert e.value.code == 2 and len(err) == 1 and "--chip" in err[0]


@pytest.mark.parametrize("options, message", [
    ({"seed": -1}, "seed"),
    ({"rate_hz": 0.0}, "rate"),
    ({"rate_hz": -104.0}, "rate"),
    ({"rate_hz": 5000.0}, "rate"),
    ({"rate_hz": float("nan")}, "rate"),
    ({"tempo_scale": -2.0}, "tempo"),
    ({"tempo_scale": 0.0}, "tempo"),
    ({"reps": -3}, "reps"),
    ({"holds": -1}, "holds"),
    ({"fault_rate": 2.0}, "fault_rate"),
    ({"tolerance_deg": 0.0}, "tolerance"),
    ({"chip": "bmi270"}, "chip"),
    ({"errors": "some"}, "errors"),
    ({"accel_fs_g": 3}, "accel_fs_g"),
    ({"gyro_fs_dps": 125, "chip": "mpu6886"}, "gyro_fs_dps"),
])
def test_the_simulator_refuses_the_same(options, message):
    from korset.sim import simulate
    from korsetfw import catalogue

    seed = options.pop("seed", 1)
    with pytest.raises(ValueError, match=message):
        simulate(catalogue.get(3), seed, **options)


def test_the_corpus_refuses_patients_whose_seeds_would_repeat(tmp_path):
    from korset.sim.corpus import corpus_sets, write_corpus

    assert len(corpus_sets(1000, (52.0,))) == 11 * 1000
    with pytest.raises(ValueError, match="patients"):
        corpus_sets(1001, (52.0,))
    with pytest.raises(ValueError, match="patients"):
        corpus_sets(0, (52.0,))
    with pytest.raises(ValueError, match="rate"):
        write_corpus(tmp_path / "c", 1, 1, (52.0, 52.4))
    assert not (tmp_path / "c").exists()
