"""The protocol's names for people: opcodes and status codes as words (host-only).

Host-only (``korsetfw.HOST_ONLY``): the board answers with codes, the host says
what they mean. The codes themselves are ``korsetfw.protocol``.
"""

from korsetfw.protocol import (
    ACK,
    AUTH,
    AUTH_FAILED,
    BAD_STATE,
    BUSY,
    CONFIGURE,
    CONFIRM,
    ERASE,
    FORGET,
    HASH_MISMATCH,
    HELLO,
    INFO,
    INTERNAL_ERROR,
    LIST,
    LIVE,
    MALFORMED,
    MTU_TOO_SMALL,
    NO_KEY,
    NO_SESSION,
    NOT_AUTHORISED,
    OK,
    OUT_OF_RANGE,
    PAIRING,
    PROGRAMME,
    READ,
    REFERENCE,
    SET_TIME,
    START,
    STOP,
    STORAGE_ERROR,
    UNKNOWN_OP,
)

OP_NAMES = {
    INFO: "info", SET_TIME: "set_time", CONFIGURE: "configure", START: "start", STOP: "stop",
    REFERENCE: "reference", LIVE: "live", PROGRAMME: "programme", LIST: "list", READ: "read",
    ACK: "ack",
    CONFIRM: "confirm", ERASE: "erase", FORGET: "forget", PAIRING: "pairing",
    HELLO: "hello", AUTH: "auth",
}

STATUS_NAMES = {
    OK: "ok", UNKNOWN_OP: "unknown operation", MALFORMED: "malformed request",
    BAD_STATE: "not possible now", NO_SESSION: "no such session",
    HASH_MISMATCH: "hash differs", BUSY: "session still being recorded",
    NOT_AUTHORISED: "not authorised (pair first)", STORAGE_ERROR: "storage error",
    OUT_OF_RANGE: "value out of range", MTU_TOO_SMALL: "ATT MTU too small",
    INTERNAL_ERROR: "internal error on the board",
    NO_KEY: "the board has no key (flash it over USB: korset flash)",
    AUTH_FAILED: "this computer does not hold the board's key",
}
