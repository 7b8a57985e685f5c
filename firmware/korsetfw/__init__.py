"""Korset firmware: the code that runs on the wearable (MicroPython 1.29+).

Every module here except ``hw`` imports on CPython 3.11+ and on MicroPython
alike and touches no hardware at import time: hardware objects are built by
``korsetfw.hw`` from the board definition and passed in.
"""

FIRMWARE_VERSION = "0.1.0"

# Modules the host uses and boards never do: not copied onto a board (korset flash, the
# virtual board's install), so that they take none of its RAM or flash. Firmware code
# must not import them (tests/host/test_boards.py checks the boot works without them).
HOST_ONLY = ("catalogue_text", "protocol_names", "sessiondecode")
