"""The BLE protocol between the board and the host: the one definition both sides import.

GATT layout
-----------
The Korset service (``SERVICE_UUID``) has three characteristics:

- control point (``CONTROL_UUID``): the host writes a request (write with
  response); the board answers with a notification on the same
  characteristic.
- data (``DATA_UUID``): notifications carrying session bytes during a read.
- live (``LIVE_UUID``): notifications of the deviation, state and count
  while the host asks for them (``LIVE``).

Where the board's BLE stack can bond (NimBLE), all three need an encrypted
link (LE Secure Connections, a bond); on BTstack, which cannot bond in
MicroPython, they are open at the link level. On every stack the board
serves nothing but ``HELLO`` and ``AUTH`` until the host has proved, on this
connection, that it holds the board's key (``korsetfw.boardkey``).

Plus the standard Device Information (0x180A: manufacturer, model, firmware
revision) and Battery (0x180F: battery level, %) services.

Authorisation
-------------
``HELLO`` answers the protocol version, flags (``HELLO_FLAG_*``), a fresh
nonce and the board's device id (its MCU id, so the host picks the key it
keeps for this board). ``AUTH(host nonce, host MAC)`` answers the board's MAC
(``korsetfw.boardkey``); from then on the connection is authorised (with a
bond too where the stack can bond). A wrong MAC is ``AUTH_FAILED``; a board
flashed without a key answers ``NO_KEY``.

Requests and responses (little-endian)
--------------------------------------
Request:  ``op u8, seq u8, body``. Response: ``op | RESPONSE u8, seq u8,
status u8, body``. ``seq`` is the host's, echoed, so it can match answers.
The body layouts are the ``*_REQ`` / ``*_RESP`` struct formats below; a body
of the wrong length is ``MALFORMED`` and changes nothing.

Session transfer
----------------
``READ(session, offset, window)`` answers ``READ_RESP`` (the session's
size and SHA-256), then the board notifies ``DATA`` packets: ``offset u32``
then up to ``mtu - 3 - 4`` bytes of the file (encrypted with the connection's
key, ``korsetfw.boardkey``), in order from ``offset``. It
never has more than ``window`` bytes beyond the last ``ACK``ed offset in
flight (and waits when the BLE stack's buffers are full), so a slow host is
never overrun. The host ``ACK``s the offset it holds contiguously; after a
drop it reads again from there. ``CONFIRM(session, sha256)`` deletes the
session once the host has stored a copy with that hash. The open session
(being recorded) is listed with the ``RECORDING`` flag and cannot be read or
confirmed until its set ends.

``PROTOCOL_VERSION`` changes whenever any of this changes; the host refuses
to talk to a board with another version.
"""

from korsetfw import const

PROTOCOL_VERSION = const(2)


def _uuid(short):
    return "4b530%03x-6b6f-7273-6574-2d6b6f727365" % short


SERVICE_UUID = _uuid(0x100)
CONTROL_UUID = _uuid(0x101)
DATA_UUID = _uuid(0x102)
LIVE_UUID = _uuid(0x103)
DEVICE_INFO_UUID = 0x180A
MANUFACTURER_UUID = 0x2A29
MODEL_UUID = 0x2A24
FIRMWARE_REV_UUID = 0x2A26
BATTERY_SERVICE_UUID = 0x180F
BATTERY_LEVEL_UUID = 0x2A19

DEVICE_NAME_PREFIX = "Korset"
MANUFACTURER = "Korset"
ATT_MTU = const(247)  # what both sides ask for
MIN_MTU = const(64)  # the board answers MTU_TOO_SMALL below this (responses must fit)
DATA_HEADER = "<I"  # DATA packet: offset, then the bytes (encrypted: korsetfw.boardkey)
DATA_HEADER_BYTES = const(4)
DEFAULT_WINDOW = const(4096)  # bytes in flight during a read
MAX_WINDOW = const(16384)

RESPONSE = const(0x80)

# Opcodes
INFO = const(0x01)
SET_TIME = const(0x02)
CONFIGURE = const(0x03)
START = const(0x04)
STOP = const(0x05)
REFERENCE = const(0x06)
LIVE = const(0x07)
PROGRAMME = const(0x08)
LIST = const(0x10)
READ = const(0x11)
ACK = const(0x12)
CONFIRM = const(0x13)
ERASE = const(0x14)
FORGET = const(0x15)
PAIRING = const(0x16)
HELLO = const(0x17)
AUTH = const(0x18)


# Status codes
OK = const(0)
UNKNOWN_OP = const(1)
MALFORMED = const(2)
BAD_STATE = const(3)  # e.g. STOP with no set running
NO_SESSION = const(4)
HASH_MISMATCH = const(5)
BUSY = const(6)  # the session is being recorded
NOT_AUTHORISED = const(7)  # the board key not proved on this link (or, where the stack
# bonds, the link not encrypted with a bond)
STORAGE_ERROR = const(8)
OUT_OF_RANGE = const(9)  # a value outside what the board accepts
MTU_TOO_SMALL = const(10)
INTERNAL_ERROR = const(11)  # a firmware fault, printed on its console; the board goes on
NO_KEY = const(12)  # the board has no key: flash it (korset flash writes one over USB)
AUTH_FAILED = const(13)  # the host's MAC is not the board key's


# Request and response bodies (struct formats, little-endian).
REQUEST_HEADER = "<BB"  # op, seq
RESPONSE_HEADER = "<BBB"  # op | RESPONSE, seq, status
# INFO: protocol, firmware major/minor/patch, flags, sessions, used bytes, free bytes,
# battery % (255 unknown), clock (Unix s, 0 unset), uptime s (never wraps), internal
# errors contained since boot (saturating), boot id (korsetfw.wallclock); then the board
# name (UTF-8).
INFO_RESP = "<BBBBBHIIBIIHI"
INFO_FLAG_RECORDING = const(1)
INFO_FLAG_STORAGE_FULL = const(2)
INFO_FLAG_SET_ACTIVE = const(4)
INFO_FLAG_PAIRING_OPEN = const(8)
INFO_FLAG_CLOCK_SET = const(16)
INFO_FLAG_ERRORS = const(32)  # the board contained internal errors since boot (console)
# HELLO: protocol version, flags, the board's nonce; then its device id (MCU id bytes).
HELLO_RESP = "<BB16s"
HELLO_FLAG_KEY = const(1)  # the board has a key (else AUTH answers NO_KEY)
HELLO_FLAG_BONDS = const(2)  # its stack bonds: the host must also pair (encrypted link)
AUTH_REQ = "<16s16s"  # the host's nonce, its MAC (korsetfw.boardkey.host_mac)
AUTH_RESP = "<16s"  # the board's MAC (korsetfw.boardkey.board_mac)
SET_TIME_REQ = "<I"  # Unix seconds
# CONFIGURE / START: exercise code (EXERCISE_CODES), tolerance in 0.1 degree (0: the
# exercise's own). START's body may also be empty: the configured exercise.
EXERCISE_REQ = "<BH"
LIVE_REQ = "<B"  # rate, Hz (0: off; else 10-25)
# PROGRAMME: count u8, then each set (korsetfw.programme): exercise code (or 200: custom,
# described here), kind (0 reps, 1 hold), posture (catalogue.POSTURES index), axes mask
# (1 flexion, 2 lateral, 4 rotation), tolerance flexion/lateral/rotation in 0.1 degree,
# target reps, hold s, holds, flags (1 hold in place, 2 alternate sides). START with an
# empty body then starts the programme's sets in turn.
PROGRAMME_SET = "<BBBBHHHBBBB"
LIVE_RATES_HZ = (10, 25)
# LIVE notification: LIVE_HEADER (the packet's sequence number on this connection, in
# clear: its counter block), then LIVE_PACKET encrypted (korsetfw.boardkey): board time ms,
# rotation/flexion/lateral deviation in 0.1 degree, state (0 idle, 1 waiting, 2 active),
# flags (1 buzzing, 2 recording), count.
LIVE_HEADER = "<I"
LIVE_HEADER_BYTES = const(4)
LIVE_PACKET = "<IhhhBBH"
LIST_REQ = "<H"  # index of the first entry wanted
LIST_RESP = "<HB"  # sessions in total, entries in this answer; then LIST_ENTRY each
LIST_ENTRY = "<IIB"  # session number, size in bytes, flags
LIST_FLAG_RECORDING = const(1)
READ_REQ = "<IIH"  # session, offset, window bytes
READ_RESP = "<II32s"  # session, size, SHA-256 of the whole file
ACK_REQ = "<II"  # session, offset held contiguously
CONFIRM_REQ = "<I32s"  # session, SHA-256 of the copy the host stored
ERASE_REQ = "<4s"  # must be ERASE_TOKEN: erasing unsynced sessions is deliberate
ERASE_TOKEN = b"WIPE"
PAIRING_REQ = "<B"  # seconds the pairing window stays open (0 closes it)

# Exercise codes on the wire: catalogue numbers 1-9, and the generic kinds.
EXERCISE_REPS = const(100)
EXERCISE_HOLD = const(101)


def exercise_code(number_or_key):
    if number_or_key == "reps":
        return EXERCISE_REPS
    if number_or_key == "hold":
        return EXERCISE_HOLD
    return int(number_or_key)


def exercise_from_code(code):
    if code == EXERCISE_REPS:
        return "reps"
    if code == EXERCISE_HOLD:
        return "hold"
    return code


def version_tuple(text):
    """"1.2.3" -> (1, 2, 3) for INFO."""
    parts = [int(p) for p in text.split(".")[:3]]
    while len(parts) < 3:
        parts.append(0)
    return parts[0], parts[1], parts[2]
