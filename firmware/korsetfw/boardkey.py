"""The board key: a secret written over USB when the board is flashed, proved over BLE.

Why: MicroPython offers BLE pairing and bonding only on NimBLE builds (ESP32,
the Nano RP2040 Connect); the Pico W family's BTstack build compiles them out
(``MICROPY_PY_BLUETOOTH_ENABLE_PAIRING_BONDING`` is set only in the NimBLE
branch of ``ports/rp2/CMakeLists.txt``; MicroPython's docs: pairing "currently
only supported when using the NimBLE stack"). So authorisation does not rest
on the link: on every port, a host is authorised on a connection once it has
proved that it holds the board's key, which only someone who had the board on
USB (``korset flash``) can have. Where the stack can bond, the link is also
encrypted with LE Secure Connections, as before.

The proof (``HELLO`` / ``AUTH`` in ``korsetfw.protocol``) is a mutual
challenge-response with HMAC-SHA256 (RFC 2104, FIPS 198-1), truncated to 16
bytes (RFC 2104 section 5 allows truncation to at least half the hash):

1. the board sends a fresh 16-byte nonce ``nb`` (``os.urandom``);
2. the host answers its own nonce ``nh`` and
   ``HMAC(key, "korset-host" | nb | nh)``;
3. the board checks it (in constant time) and answers
   ``HMAC(key, "korset-board" | nh | nb)``, so the host knows it talks to the
   board that holds the key, not to one that merely relays.

The labels keep the two directions' MACs apart, so neither can be replayed as
the other. A nonce is used once: a new ``HELLO`` or a failed ``AUTH`` draws a
new one. The key never leaves the board over BLE.

The key file ``/korset.key`` holds the key as 64 hex digits (a text file, so
``mpremote cat`` shows it to its owner and an editor cannot mangle it).
Imports on CPython and MicroPython alike; nothing runs at import time.
"""

import binascii
import hashlib

KEY_PATH = "/korset.key"
KEY_BYTES = 32  # HMAC-SHA256 keys of the hash's own length (RFC 2104 section 3)
NONCE_BYTES = 16
MAC_BYTES = 16
HOST_LABEL = b"korset-host"
BOARD_LABEL = b"korset-board"
_BLOCK = 64  # SHA-256's block size, bytes


def hmac_sha256(key, message):
    """HMAC-SHA256 of ``message`` (RFC 2104); ``key`` at most one block (64 bytes)."""
    if len(key) > _BLOCK:
        raise ValueError("key longer than a SHA-256 block")
    padded = bytes(key) + bytes(_BLOCK - len(key))
    inner = hashlib.sha256(bytes(b ^ 0x36 for b in padded))
    inner.update(message)
    outer = hashlib.sha256(bytes(b ^ 0x5C for b in padded))
    outer.update(inner.digest())
    return outer.digest()


def host_mac(key, board_nonce, host_nonce):
    return hmac_sha256(key, HOST_LABEL + bytes(board_nonce) + bytes(host_nonce))[:MAC_BYTES]


def board_mac(key, host_nonce, board_nonce):
    return hmac_sha256(key, BOARD_LABEL + bytes(host_nonce) + bytes(board_nonce))[:MAC_BYTES]


def same(a, b):
    """Whether two byte strings are equal, in time that does not depend on where they
    differ (a MAC compared byte by byte with an early exit leaks how much was right)."""
    if len(a) != len(b):
        return False
    diff = 0
    for i in range(len(a)):
        diff |= a[i] ^ b[i]
    return diff == 0


def parse(text):
    """The key from a key file's text; ValueError if it is not 64 hex digits."""
    text = text.strip()
    if len(text) != 2 * KEY_BYTES:
        raise ValueError("a board key is %d hex digits" % (2 * KEY_BYTES))
    try:
        return binascii.unhexlify(text)
    except Exception:  # binascii.Error on CPython, ValueError on MicroPython
        raise ValueError("a board key is hex digits") from None


def format_key(key):
    return binascii.hexlify(bytes(key)).decode() + "\n"


def load(path=KEY_PATH):
    """The board's key, or None when it has none (or the file is damaged: said on the
    console by the caller, and no host can be authorised until it is flashed again)."""
    try:
        with open(path) as f:
            return parse(f.read())
    except (OSError, ValueError):
        return None
