"""Board definitions: what hardware a board has, as data.

A board is a JSON file (``boards/NAME.json`` in the repository, ``/board.json``
on the board). Every board states every key below; a part the board does not
have is ``null`` where the schema allows it, never left out, so that a reader
sees at once what a board lacks. Units are in the key names.

The firmware validates its ``/board.json`` at boot and the host validates the
files in ``boards/`` with the same code, so a typo is caught before flashing.
"""

import json

from korsetfw import align

INT = "int"
STR = "str"
BOOL = "bool"
PIN = "pin"  # an int (GPIO number) or a str (port pin name such as "PA5")
OPT = "?"  # suffix: may be null

# section -> ((key, kind, meaning), ...)
SCHEMA = (
    ("name", STR, "board name, also the file name"),
    ("description", STR, "what the board is, in one line"),
    ("mpy_arch", STR + OPT, "mpy-cross -march value; null: ship .py sources"),
    (
        "i2c",
        (
            ("id", INT, "machine.I2C bus id"),
            ("scl_pin", PIN, "SCL pin"),
            ("sda_pin", PIN, "SDA pin"),
            ("freq_hz", INT, "bus clock, Hz"),
        ),
    ),
    (
        "imu",
        (
            ("model", STR, "driver name, see korsetfw.imu.DRIVERS"),
            ("address", INT, "7-bit I2C address"),
            ("alignment", STR, "body axes in sensor axes when worn, e.g. '-Z+Y+X'"),
            ("int_pin", PIN + OPT, "data-ready/FIFO interrupt pin, null: polled"),
        ),
    ),
    (
        "motor",
        (
            ("pin", PIN, "PWM pin driving the motor transistor"),
            ("pwm_freq_hz", INT, "PWM frequency, Hz"),
            ("drive_pct", INT, "steady drive duty, percent"),
            ("kick_pct", INT, "spin-up overdrive duty, percent"),
            ("kick_ms", INT, "spin-up overdrive time, ms"),
        ),
    ),
    (
        "led",
        (
            ("pin", PIN + OPT, "status LED pin, null: none"),
            ("active_high", BOOL, "LED lit when the pin is high"),
        ),
    ),
    (
        "button",
        (
            ("pin", PIN + OPT, "user button pin, null: none"),
            ("active_low", BOOL, "pressed pulls the pin low (internal pull-up used)"),
        ),
    ),
    (
        "battery",
        (
            ("adc_pin", PIN + OPT, "battery voltage sense pin, null: not measured"),
            ("divider_ratio", "num", "battery volts per volt at the ADC pin"),
        ),
    ),
    (
        "ble",
        (
            ("stack", STR + OPT, "MicroPython's BLE stack on this port (one of BLE_STACKS), "
             "null: no BLE"),
        ),
    ),
    (
        "storage",
        (
            ("data_dir", STR, "directory for recorded sessions"),
            ("min_free_bytes", INT, "stop recording when less is free"),
            ("fs_size_bytes", INT, "size of the board's filesystem (the virtual flash image)"),
        ),
    ),
)

SUPPORTED_IMUS = ("lsm6dsox", "mpu6886", "mpu6050")
# What each stack offers in MicroPython is in korsetfw.link.STACKS: NimBLE (ESP32, and
# rp2 boards built with it, such as the Nano RP2040 Connect) pairs and bonds; BTstack
# (the Pico W family) does neither (ports/rp2/CMakeLists.txt sets
# MICROPY_PY_BLUETOOTH_ENABLE_PAIRING_BONDING only for NimBLE).
BLE_STACKS = ("nimble", "btstack")


class BoardError(ValueError):
    """A board definition that cannot be used; the message lists every problem."""


def _kind_ok(value, kind):
    optional = kind.endswith(OPT)
    kind = kind.rstrip(OPT)
    if value is None:
        return optional
    if kind == INT:
        return isinstance(value, int) and not isinstance(value, bool)
    if kind == STR:
        return isinstance(value, str)
    if kind == BOOL:
        return isinstance(value, bool)
    if kind == PIN:
        return isinstance(value, str) or (isinstance(value, int) and not isinstance(value, bool))
    if kind == "num":
        return isinstance(value, (int, float)) and not isinstance(value, bool)
    return False


def _check_section(obj, schema, where, problems):
    if not isinstance(obj, dict):
        problems.append("%s: expected an object" % where)
        return
    known = []
    for entry in schema:
        key, kind = entry[0], entry[1]
        known.append(key)
        path = where + "." + key if where else key
        if key not in obj:
            problems.append("%s: missing" % path)
        elif isinstance(kind, tuple):
            _check_section(obj[key], kind, path, problems)
        elif not _kind_ok(obj[key], kind):
            problems.append("%s: %r is not %s" % (path, obj[key], entry[2]))
    for key in obj:
        if key not in known:
            problems.append("%s: unknown key" % (where + "." + key if where else key))


def validate(board):
    """Return the board dict if it is usable, else raise BoardError listing all problems."""
    problems = []  # type: list[str]
    _check_section(board, SCHEMA, "", problems)
    if not problems:
        imu = board["imu"]
        if imu["model"] not in SUPPORTED_IMUS:
            problems.append(
                "imu.model: %r is not one of %s" % (imu["model"], ", ".join(SUPPORTED_IMUS))
            )
        if not 0x08 <= imu["address"] <= 0x77:
            problems.append("imu.address: %r is not a 7-bit I2C address" % imu["address"])
        try:
            align.parse(imu["alignment"])
        except ValueError as e:
            problems.append("imu.alignment: %s" % e)
        stack = board["ble"]["stack"]
        if stack is not None and stack not in BLE_STACKS:
            problems.append("ble.stack: %r is not one of %s" % (stack, ", ".join(BLE_STACKS)))
        motor = board["motor"]
        for key in ("drive_pct", "kick_pct"):
            if not 0 <= motor[key] <= 100:
                problems.append("motor.%s: %r is not 0-100" % (key, motor[key]))
        if motor["kick_ms"] < 0:
            problems.append("motor.kick_ms: must not be negative")
        if board["i2c"]["freq_hz"] <= 0 or motor["pwm_freq_hz"] <= 0:
            problems.append("i2c.freq_hz and motor.pwm_freq_hz must be positive")
    if problems:
        name = board.get("name", "?") if isinstance(board, dict) else "?"
        raise BoardError("board %s: %s" % (name, "; ".join(problems)))
    return board


def load(path):
    """Read and validate a board JSON file."""
    with open(path) as f:
        text = f.read()
    try:
        board = json.loads(text)
    except ValueError as e:
        raise BoardError("%s: not valid JSON (%s)" % (path, e)) from e
    return validate(board)
