"""Korset firmware: the code that runs on the wearable (MicroPython 1.29+).

Every module here except ``hw`` imports on CPython 3.11+ and on MicroPython
alike and touches no hardware at import time: hardware objects are built by
``korsetfw.hw`` from the board definition and passed in.
"""

FIRMWARE_VERSION = "0.1.0"
