import re
import subprocess
import sys

from korset.cli import COMMANDS, main


def test_help_lists_only_built_commands(capsys):
    assert main([]) == 2
    out = capsys.readouterr().out
    for name in COMMANDS:
        assert name in out
    assert "flash" not in out  # not built yet, so not offered


def test_demo_runs_the_firmware_on_the_virtual_board(capsys, tmp_path):
    assert main(["demo", "--seconds", "5", "--dir", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert "board| korset 0.1.0 on virtual: LSM6DSOX at 104 Hz" in out
    rate = float(re.search(r"\(([\d.]+) per second\)", out).group(1))
    assert 103.0 < rate < 105.0
    flex = re.search(r"once a second: ([^d]+) deg", out).group(1)
    values = [float(v) for v in flex.split(",")]
    assert abs(values[1]) < 0.5 and max(values) > 5.0  # still, then bending forward
    assert "Motor buzzed from 0.00" in out
    assert (tmp_path / "flash.bin").stat().st_size == 4 * 1024 * 1024


def test_console_script_is_installed():
    proc = subprocess.run([sys.executable, "-m", "korset", "--version"], capture_output=True,
                          text=True)
    assert proc.returncode == 0 and proc.stdout.startswith("korset ")
