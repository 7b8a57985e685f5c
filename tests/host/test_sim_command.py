import json

import numpy as np
import pytest

from korset.cli import main
from korset.recording import read_csv


def test_sim_writes_recording_truth_and_plot(tmp_path, capsys):
    out = tmp_path / "ex8.csv"
    assert main(["sim", "--exercise", "8", "--seed", "4", "--output", str(out), "--rate", "52",
                 "--reps", "10", "--fault-rate", "0.3", "--tolerance", "6",
                 "--plot", str(tmp_path / "ex8.png")]) == 0
    rec = read_csv(out)
    truth = json.loads(out.with_suffix(".json").read_text())
    assert abs(rec.rate_hz / 52 - 1) < 0.03
    assert truth["reps"] == 10 and len(truth["rep_times_s"]) == 10
    assert truth["tolerance_deg"] == {"rotation": 6.0, "lateral": 6.0}
    assert truth["posture"] == "supine" and truth["params"]["seed"] == 4
    for f in truth["faults"]:
        assert set(f) == {"start_s", "end_s", "peak_deg", "axis"}
    assert (tmp_path / "ex8.png").read_bytes()[:4] == b"\x89PNG"
    assert "truth: 10 reps" in capsys.readouterr().out


def test_sim_is_deterministic_for_a_seed(tmp_path):
    a, b = tmp_path / "a.csv", tmp_path / "b.csv"
    for path in (a, b):
        assert main(["sim", "-e", "hold", "--seed", "9", "-o", str(path)]) == 0
    assert a.read_bytes() == b.read_bytes()
    assert a.with_suffix(".json").read_bytes() == b.with_suffix(".json").read_bytes()


def test_sim_custom_exercise_from_programme(tmp_path):
    prog = tmp_path / "p.toml"
    prog.write_text('[[exercise]]\nkey = "plank"\nname = "Plank"\nkind = "hold"\n'
                    'posture = "prone"\naxes = ["flexion"]\ntolerance_deg = 3\nhold_s = 20\n'
                    'holds = 2\n')
    out = tmp_path / "plank.csv"
    assert main(["sim", "-e", "plank", "--programme", str(prog), "-o", str(out)]) == 0
    truth = json.loads(out.with_suffix(".json").read_text())
    assert truth["exercise"] == "plank" and len(truth["holds"]) == 2
    assert truth["posture"] == "prone"
    accel = read_csv(out).accel
    assert np.mean(accel[:100, 0]) < -9.0  # prone: "up" is posterior


def test_bad_input_gets_one_line_errors(tmp_path, capsys):
    assert main(["sim", "-e", "12", "-o", str(tmp_path / "x.csv")]) == 1
    assert "no exercise" in capsys.readouterr().err
    assert main(["sim", "-e", "3"]) == 1
    with pytest.raises(SystemExit) as e:  # a usage error, before anything runs
        main(["sim", "-e", "3", "-o", str(tmp_path / "x.csv"), "--fault-rate", "2"])
    assert e.value.code == 2 and "--fault-rate" in capsys.readouterr().err
    assert not list(tmp_path.iterdir())


def _sim(out, *more):
    return main(["sim", "-e", "hold", "--seed", "2", "-o", str(out), *more])


def test_sim_does_not_overwrite_the_users_files_without_force(tmp_path, capsys):
    out = tmp_path / "rec.csv"
    mine = tmp_path / "rec.json"  # the user's own file, where the truth would go
    mine.write_text("mine")
    assert _sim(out) == 1
    err = capsys.readouterr().err
    assert f"{mine} exists" in err and "--force" in err and len(err.splitlines()) == 1
    assert mine.read_text() == "mine" and not out.exists()
    out.write_text("my recording")
    mine.unlink()
    assert _sim(out) == 1  # the recording itself
    assert out.read_text() == "my recording" and not mine.exists()
    assert _sim(out, "--force") == 0
    assert out.read_text().startswith("t,") and json.loads(mine.read_text())["kind"] == "hold"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["rec.csv", "rec.json"]  # no .tmp


def test_sim_refuses_an_existing_plot_and_an_output_that_is_an_input(tmp_path, capsys):
    plot = tmp_path / "set.png"
    plot.write_bytes(b"mine")
    assert _sim(tmp_path / "a.csv", "--plot", str(plot)) == 1
    assert plot.read_bytes() == b"mine" and not (tmp_path / "a.csv").exists()
    # The truth beside the recording would be the programme being read: never, not even
    # with --force.
    prog = tmp_path / "p.json"
    prog.write_text("{}")
    capsys.readouterr()
    assert main(["sim", "-e", "hold", "--programme", str(prog), "-o", str(tmp_path / "p.csv"),
                 "--force"]) == 1
    assert "also the input" in capsys.readouterr().err and prog.read_text() == "{}"
    assert not (tmp_path / "p.csv").exists()
    # The recording and the plot the same file.
    assert _sim(tmp_path / "b.csv", "--plot", str(tmp_path / "b.csv"), "--force") == 1
    assert not (tmp_path / "b.csv").exists()


def test_sim_corpus_does_not_write_over_a_directory_with_files(tmp_path, capsys):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "notes.txt").write_text("mine")
    args = ["sim", "--corpus", str(corpus), "--patients", "1", "--rates", "52"]
    assert main(args) == 1
    assert "--force" in capsys.readouterr().err
    assert [p.name for p in corpus.iterdir()] == ["notes.txt"]
    assert main([*args, "--force"]) == 0
    assert (corpus / "index.json").exists() and (corpus / "notes.txt").read_text() == "mine"


def test_corpus_is_reproducible_from_its_seed(tmp_path):
    args = ["sim", "--corpus", None, "--patients", "1", "--rates", "52", "--seed", "3"]
    for d in ("a", "b"):
        args[2] = str(tmp_path / d)
        assert main(args) == 0
    files_a = sorted(p.relative_to(tmp_path / "a") for p in (tmp_path / "a").rglob("*.*"))
    files_b = sorted(p.relative_to(tmp_path / "b") for p in (tmp_path / "b").rglob("*.*"))
    assert files_a == files_b and len(files_a) == 2 * 11 + 2
    for rel in files_a:
        assert (tmp_path / "a" / rel).read_bytes() == (tmp_path / "b" / rel).read_bytes()
    index = json.loads((tmp_path / "a" / "index.json").read_text())
    assert {r["exercise_key"] for r in index["recordings"]} >= {"rock_back", "reps", "hold"}
    assert "recording contract" in (tmp_path / "a" / "README.md").read_text()
