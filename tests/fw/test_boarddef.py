import json

from fwtest import raises

from korsetfw import boarddef


def _virtual():
    with open("../../boards/virtual.json") as f:
        return json.loads(f.read())


def test_virtual_board_is_valid():
    board = boarddef.validate(_virtual())
    assert board["imu"]["model"] == "lsm6dsox"


def test_every_problem_is_named():
    board = _virtual()
    del board["motor"]["kick_ms"]
    board["imu"]["alignment"] = "+X+Y-Z"
    board["i2c"]["freq_hz"] = "fast"
    board["extra"] = 1
    with raises(boarddef.BoardError) as r:
        boarddef.validate(board)
    text = str(r.value)
    for part in ("motor.kick_ms: missing", "i2c.freq_hz", "extra: unknown key"):
        assert part in text, (part, text)


def test_semantic_checks():
    board = _virtual()
    board["imu"]["alignment"] = "+X+Y-Z"
    board["motor"]["drive_pct"] = 120
    board["imu"]["model"] = "bmi270"
    with raises(boarddef.BoardError) as r:
        boarddef.validate(board)
    text = str(r.value)
    assert "mirror" in text and "drive_pct" in text and "bmi270" in text


def test_null_only_where_allowed():
    board = _virtual()
    board["led"]["pin"] = None
    boarddef.validate(board)
    board["motor"]["pin"] = None
    with raises(boarddef.BoardError, "motor.pin"):
        boarddef.validate(board)
