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

Confidentiality: BTstack's link is not encrypted (no pairing), so the health
data itself is: after ``AUTH`` both ends derive a connection key
``HMAC(key, "korset-session" | nb | nh)[:16]`` and every DATA payload (the
session's bytes) and LIVE packet is AES-128 in counter mode (NIST SP 800-38A
section 6.5) under it, on every port (one design). Counter blocks are
``stream u8, 0 0 0, session u32 (LIVE: 0), block u64`` (big-endian), the
block being the byte offset // 16 in the session (LIVE: the packet's
sequence number); so no two payloads of a connection share key stream, and a
payload sent again at the same offset is the same ciphertext. The board
builds CTR on ``cryptolib.aes`` in ECB mode (mode 1: every port with
``cryptolib`` has it; its CTR mode is compiled in only with
``MICROPY_PY_CRYPTOLIB_CTR``, off by default in ``py/mpconfig.h``). Integrity
of a whole session is its SHA-256, checked by the host as before.

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
SESSION_LABEL = b"korset-session"
STREAM_DATA = 1
STREAM_LIVE = 2
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


def connection_key(key, board_nonce, host_nonce):
    """The AES-128 key of one authorised connection."""
    return hmac_sha256(key, SESSION_LABEL + bytes(board_nonce) + bytes(host_nonce))[:16]


def counter_block(stream, session, block):
    """The first counter block of a payload (see the module's docstring)."""
    return bytes((stream, 0, 0, 0)) + session.to_bytes(4, "big") + block.to_bytes(8, "big")


class PayloadCipher:
    """AES-128-CTR over ``cryptolib.aes`` in ECB mode: ``apply`` encrypts (or decrypts:
    the same operation) a payload in place. Buffers are kept; each call allocates only
    the ints of its counter (not on the per-sample path)."""

    def __init__(self, aes_ecb):
        """``aes_ecb``: ``cryptolib.aes(connection_key, 1)``."""
        self._aes = aes_ecb
        self._counter = bytearray(16)
        self._stream = bytearray(16)

    def apply(self, buf, start, n, stream, session, offset):
        """XOR ``buf[start:start + n]`` with the key stream of ``stream``/``session`` from
        byte ``offset``."""
        counter = self._counter
        ks = self._stream
        block = offset // 16
        skip = offset % 16
        counter[0] = stream
        counter[4:8] = session.to_bytes(4, "big")
        i = start
        end = start + n
        while i < end:
            counter[8:16] = block.to_bytes(8, "big")
            self._aes.encrypt(counter, ks)
            j = skip
            while j < 16 and i < end:
                buf[i] ^= ks[j]
                i += 1
                j += 1
            skip = 0
            block += 1


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
