"""Flash for the virtual board and for tests: block devices for ``vfs.VfsLfs2``.

They implement MicroPython's extended block protocol (readblocks/writeblocks
with offsets, ioctl erase), so LittleFS runs on them exactly as on a board's
SPI flash. Erased flash reads 0xFF. ``FileBlockDevice`` keeps the image in a
host file (the virtual board's ``flash.bin``); ``RamBlockDevice`` in a
bytearray (fast, for power-cut tests).

Power cuts: with ``cut_after_writes = N``, N program/erase operations
succeed; the next one is torn (a real NOR flash losing power mid-operation
leaves part of a page programmed or part of a sector erased: here the first
half of it is done) and raises ``PowerCut``, as does every later one. Tests
then ``detach`` the device (later writes through it, say from the garbage
collector closing a file the cut left open, are dropped: the old
filesystem is gone) and mount the same storage afresh, as a board does when
power returns.

``erase_on_write=True`` makes a simple-protocol write (``writeblocks``
without an offset, which is how ``vfs.VfsFat`` writes sectors) an erase of
the range followed by its programming, two operations either of which power
can be lost in: so the rp2 port's ``rp2.Flash`` does it under FAT on the
Arduino Nano RP2040 Connect (ports/rp2/rp2_flash.c, rp2_flash_writeblocks:
flash_range_erase, then flash_range_program). A cut in the erase leaves the
first half of the range erased and the rest old; in the programming, the
range erased and its first half new. Without it a sector write tears as a
plain program (first half new, the rest old), as on an SD card's sector.
"""

_IOCTL_BLOCK_COUNT = 4
_IOCTL_BLOCK_SIZE = 5
_IOCTL_BLOCK_ERASE = 6


class PowerCut(OSError):
    pass


class _BlockDevice:
    def __init__(self, block_count, block_size, cut_after_writes=None):
        self.block_count = block_count
        self.block_size = block_size
        self.cut_after_writes = cut_after_writes
        self.writes = 0
        self.detached = False
        self.erase_on_write = False
        # An erased block, made once: the simulated flash must not take the heap the
        # firmware is measured on (the virtual board runs with a board-sized heap).
        self._erased = memoryview(b"\xff" * block_size)

    def detach(self):
        self.detached = True

    def _cut_now(self):
        """Count one program/erase; True when this one is the one power is lost in."""
        if self.cut_after_writes is not None and self.writes >= self.cut_after_writes:
            return True
        self.writes += 1
        return False

    def readblocks(self, block, buf, offset=0):
        if self.detached:
            return  # nothing may allocate here: the garbage collector may be the caller
        self._read(block * self.block_size + offset, buf)

    def writeblocks(self, block, buf, offset=None):
        simple = offset is None
        if simple:
            # Simple protocol: whole blocks, erase implied.
            offset = 0
        at = block * self.block_size + offset
        if self.detached:
            return
        if simple and self.erase_on_write:
            if self._cut_now():
                self._write(at, self._erased[: len(buf) // 2])
                raise PowerCut(5)
            self._write(at, self._erased[: len(buf)])
        if self._cut_now():
            self._write(at, memoryview(buf)[: len(buf) // 2])
            raise PowerCut(5)
        self._write(at, buf)

    def ioctl(self, op, arg):
        if op == _IOCTL_BLOCK_COUNT:
            return self.block_count
        if op == _IOCTL_BLOCK_SIZE:
            return self.block_size
        if op == _IOCTL_BLOCK_ERASE:
            at = arg * self.block_size
            if self.detached:
                return 0
            if self._cut_now():
                self._write(at, self._erased[: self.block_size // 2])
                raise PowerCut(5)
            self._write(at, self._erased)
            return 0
        return 0


class FileBlockDevice(_BlockDevice):
    def __init__(self, f, block_count, block_size=4096, cut_after_writes=None):
        super().__init__(block_count, block_size, cut_after_writes)
        self.f = f

    @classmethod
    def open(cls, path, size_bytes, block_size=4096):
        """Open the image at ``path``, creating it erased when missing."""
        try:
            f = open(path, "r+b")
        except OSError:
            f = open(path, "w+b")
            blank = b"\xff" * block_size
            for _ in range(size_bytes // block_size):
                f.write(blank)
            f.flush()
        f.seek(0, 2)
        size = f.tell()
        return cls(f, size // block_size, block_size)

    def _read(self, at, buf):
        self.f.seek(at)
        self.f.readinto(buf)

    def _write(self, at, data):
        self.f.seek(at)
        self.f.write(data)
        self.f.flush()


class RamBlockDevice(_BlockDevice):
    def __init__(self, storage, block_size=512, cut_after_writes=None):
        """``storage``: a bytearray (length a multiple of ``block_size``), kept by the caller."""
        super().__init__(len(storage) // block_size, block_size, cut_after_writes)
        self.storage = storage

    @classmethod
    def erased(cls, size_bytes, block_size=512):
        return cls(bytearray(b"\xff" * size_bytes), block_size)

    def _read(self, at, buf):
        buf[:] = self.storage[at:at + len(buf)]

    def _write(self, at, data):
        self.storage[at:at + len(data)] = data
