"""A virtual board that stays up across commands (``korset vboard --ble``).

Each command here is its own process, as a user types them; the board is
another, running the firmware on the unix port in real time with a simulated
patient's movement. What a real board does between commands must hold: the
set started by ``start`` keeps running through ``live`` and ``info`` (same
boot, the clock goes on), ``stop`` ends it, ``sync`` takes it off whole.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from korset.vble.served import SERVED_FILE, served_port
from korsetfw import protocol as p

KORSET = [sys.executable, "-m", "korset"]


def _korset(env: dict, *args: str, timeout: float = 120.0) -> subprocess.CompletedProcess:
    return subprocess.run([*KORSET, *args], env=env, capture_output=True, text=True,
                          timeout=timeout)


@pytest.fixture
def served(tmp_path):
    """A simulated set of exercise 3 (5 repetitions) played into a board on the air."""
    env = dict(os.environ, KORSET_HOME=str(tmp_path / "home"))
    motion = tmp_path / "set.csv"
    made = _korset(env, "sim", "-e", "3", "--reps", "5", "--seed", "11", "-o", str(motion))
    assert made.returncode == 0, made.stderr
    truth = json.loads(motion.with_suffix(".json").read_text())
    board_dir = tmp_path / "board"
    proc = subprocess.Popen([*KORSET, "vboard", "--root", str(board_dir), "--ble",
                             "--motion", str(motion)], env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True)
    deadline = time.monotonic() + 90
    while served_port(board_dir) is None:
        assert proc.poll() is None, proc.stdout.read() if proc.stdout else ""
        assert time.monotonic() < deadline, "the board never came on the air"
        time.sleep(0.2)
    env["KORSET_VIRTUAL_BOARD"] = str(board_dir)
    try:
        yield env, board_dir, truth, proc
    finally:
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(30)
            except subprocess.TimeoutExpired:
                proc.kill()


def _info(env) -> dict:
    done = _korset(env, "info", "--json")
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def test_start_live_stop_sync_meet_one_board_that_keeps_running(served):
    env, board_dir, truth, proc = served
    assert _korset(env, "pair").returncode == 0
    started = _korset(env, "start", "-e", "3")
    assert started.returncode == 0, started.stderr
    first = _info(env)
    assert first["flags"] & p.INFO_FLAG_RECORDING and first["flags"] & p.INFO_FLAG_SET_ACTIVE
    live = _korset(env, "live", "--seconds", "3")
    assert live.returncode == 0, live.stderr
    assert "active" in live.stdout or "waiting" in live.stdout
    # Wait for the patient to finish the set (the motion is played in real time).
    time.sleep(max(0.0, truth["set_end_s"] - first["uptime_s"] + 1.0))
    second = _info(env)
    assert second["boot"] == first["boot"]  # the same board, not booted again
    assert second["uptime_s"] > first["uptime_s"]
    assert second["flags"] & p.INFO_FLAG_SET_ACTIVE  # nothing between the commands ended it
    stopped = _korset(env, "stop")
    assert stopped.returncode == 0, stopped.stderr
    synced = _korset(env, "sync")
    assert synced.returncode == 0, synced.stderr
    assert "1 new session(s) stored" in synced.stdout
    sessions = list((Path(env["KORSET_HOME"]) / "sessions").glob("*/*.kss"))
    assert len(sessions) == 1
    analysed = _korset(env, "analyze", "--json", str(sessions[0]))
    assert analysed.returncode == 0, analysed.stderr
    result = json.loads(analysed.stdout)
    # The whole set came across: every repetition the patient made is in it.
    assert abs(result["reps"] - truth["reps"]) <= 1
    # Powering the board off takes its port away.
    proc.send_signal(signal.SIGTERM)
    assert proc.wait(30) == 0
    assert not (board_dir / SERVED_FILE).exists()
    assert served_port(board_dir) is None


def test_a_second_server_on_the_same_board_is_refused(served):
    env, board_dir, _truth, _proc = served
    again = _korset(env, "vboard", "--root", str(board_dir), "--ble", timeout=60)
    assert again.returncode == 1
    assert "served from there already" in again.stderr


def test_a_port_file_left_by_a_killed_server_is_not_believed(tmp_path):
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    (tmp_path / SERVED_FILE).write_text(json.dumps({"port": 1, "pid": dead.pid}))
    assert served_port(tmp_path) is None
    (tmp_path / SERVED_FILE).write_text("{not json")
    assert served_port(tmp_path) is None
