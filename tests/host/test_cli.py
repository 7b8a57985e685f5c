import re
import subprocess
import sys

from korset.cli import COMMANDS, main


def test_help_lists_every_command(capsys):
    assert main([]) == 2
    out = capsys.readouterr().out
    for name in COMMANDS:
        assert name in out


def test_demo_runs_a_set_on_the_virtual_board(capsys, tmp_path):
    assert main(["demo", "--exercise", "8", "--reps", "6", "--dir", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert "board| korset 0.1.0 on virtual: LSM6DSOX at 104 Hz" in out
    assert "board| set 8 (Let a knee fall out" in out
    assert re.search(r"Reference taken at \d+\.\d+ s", out)
    # Every fault of the simulated set was answered by a buzz, soon.
    faults = re.findall(r"Lower back out by .*", out)
    assert len(faults) >= 2 and not any("NOT buzzed" in f for f in faults)
    latencies = [int(m) for m in re.findall(r"buzzed (-?\d+) ms after", out)]
    assert len(latencies) == len(faults) and max(latencies) < 150
    assert "buzz(es) without a fault" not in out
    assert (tmp_path / "flash.bin").stat().st_size == 4 * 1024 * 1024


def test_console_script_is_installed():
    proc = subprocess.run([sys.executable, "-m", "korset", "--version"], capture_output=True,
                          text=True)
    assert proc.returncode == 0 and proc.stdout.startswith("korset ")
