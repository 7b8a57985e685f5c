"""What the firmware reports happened during a set: one definition for every user.

The pipeline appends events (code, sample number, value) as it runs; the app
turns them into motor cues and console lines, the recorder stores them in the
session, the BLE link forwards them, and the host decodes them with the same
names.
"""

from korsetfw import const

REFERENCE = const(1)  # value: 0 automatic, 1 on command
BUZZ_ON = const(2)  # value: bitmask of axes outside (1 flexion, 2 lateral, 4 rotation)
BUZZ_OFF = const(3)
REP = const(4)  # value: reps so far
HOLD_START = const(5)  # value: holds so far (including this one)
HOLD_END = const(6)  # value: hold length, ms
HOLD_COMPLETE = const(7)  # the hold reached its target time; value: holds so far
TARGET_REACHED = const(8)  # value: reps or holds so far
POSTURE_WRONG = const(9)  # still, but not in the starting posture; value: 0
SET_START = const(10)
SET_END = const(11)  # value: reps or holds in the set
BUS_ERROR = const(12)  # value: bus errors so far
FIFO_OVERRUN = const(13)  # value: overruns so far
BUTTON = const(14)
STORAGE_FULL = const(15)
INTERNAL_ERROR = const(16)  # the main loop contained an error (console); value: errors so far

NAMES = {
    REFERENCE: "reference", BUZZ_ON: "buzz_on", BUZZ_OFF: "buzz_off", REP: "rep",
    HOLD_START: "hold_start", HOLD_END: "hold_end", HOLD_COMPLETE: "hold_complete",
    TARGET_REACHED: "target_reached", POSTURE_WRONG: "posture_wrong", SET_START: "set_start",
    SET_END: "set_end", BUS_ERROR: "bus_error", FIFO_OVERRUN: "fifo_overrun",
    BUTTON: "button", STORAGE_FULL: "storage_full", INTERNAL_ERROR: "internal_error",
}
