"""The sessions on the board's filesystem: numbering, free space, confirmed deletion.

Sessions are files ``DATA_DIR/NNNNNN.kss`` numbered from 1, never reused: the
next number is kept in ``DATA_DIR/next`` (written to a temporary file and
renamed, which LittleFS does atomically) and is always above every file
present, so even a lost counter file cannot reuse the number of a session
still on the board.

Nothing is ever overwritten or deleted to make room. A session is deleted
only by ``confirm``, when the host shows it holds a copy whose SHA-256 is the
file's. When free space falls below ``min_free_bytes`` recording stops (the
app cues it and reports it) until the host has taken sessions off the board.
"""

import os

SUFFIX = ".kss"
_NEXT = "next"


def _exists(path):
    try:
        os.stat(path)
        return True
    except OSError:
        return False


class SessionStore:
    def __init__(self, data_dir, min_free_bytes):
        self.data_dir = data_dir.rstrip("/") or "/"
        self.min_free_bytes = min_free_bytes

    def ensure(self):
        """Create the data directory if it is missing (first boot)."""
        if not _exists(self.data_dir):
            os.mkdir(self.data_dir)

    def path(self, number):
        return "%s/%06d%s" % (self.data_dir, number, SUFFIX)

    def sessions(self):
        """Numbers of the sessions on the board, oldest first."""
        found = []
        for name in os.listdir(self.data_dir):
            if name.endswith(SUFFIX) and len(name) == 6 + len(SUFFIX):
                try:
                    found.append(int(name[:6]))
                except ValueError:
                    pass
        found.sort()
        return found

    def size(self, number):
        return os.stat(self.path(number))[6]

    def free_bytes(self):
        st = os.statvfs(self.data_dir)
        return st[0] * st[4]  # f_bsize * f_bavail

    def used_bytes(self):
        return sum(self.size(n) for n in self.sessions())

    def has_room(self):
        return self.free_bytes() >= self.min_free_bytes

    def _read_next(self):
        try:
            with open(self.data_dir + "/" + _NEXT) as f:
                return int(f.read().strip() or "1")
        except (OSError, ValueError):
            return 1

    def create(self):
        """A new session file: (number, file open for writing)."""
        self.ensure()
        present = self.sessions()
        number = max(self._read_next(), present[-1] + 1 if present else 1)
        tmp = self.data_dir + "/" + _NEXT + ".tmp"
        with open(tmp, "w") as f:
            f.write("%d\n" % (number + 1))
        os.rename(tmp, self.data_dir + "/" + _NEXT)
        return number, open(self.path(number), "wb")

    def tidy(self):
        """Remove session files cut off before their header chunk was whole.

        Power lost while a session was being created leaves an empty or
        truncated file that holds nothing readable. Files with a whole (even
        corrupt) header are kept for the host. Returns the numbers removed.
        """
        import struct

        from korsetfw import session as fmt

        removed = []
        for number in self.sessions():
            size = self.size(number)
            with open(self.path(number), "rb") as f:
                frame = f.read(fmt.FRAME_BYTES)
            whole = fmt.FRAME_BYTES + fmt.CRC_BYTES
            if len(frame) == fmt.FRAME_BYTES and frame[:2] == fmt.MAGIC:
                whole += struct.unpack_from("<H", frame, 8)[0]
            if size < whole:
                os.remove(self.path(number))
                removed.append(number)
        return removed

    def sha256(self, number):
        import hashlib

        h = hashlib.sha256()
        piece = bytearray(512)
        with open(self.path(number), "rb") as f:
            while True:
                n = f.readinto(piece)
                if not n:
                    break
                h.update(piece[:n] if n < len(piece) else piece)
        return h.digest()

    def confirm(self, number, digest):
        """Delete session ``number`` if the host's copy has SHA-256 ``digest`` (bytes).

        Returns True when deleted. Raises OSError when there is no such
        session, ValueError when the digest differs (the session stays).
        """
        if self.sha256(number) != bytes(digest):
            raise ValueError("session %d: the host's hash differs; kept" % number)
        os.remove(self.path(number))
        return True
