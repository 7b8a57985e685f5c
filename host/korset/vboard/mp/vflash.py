"""Flash for the virtual board: a block device backed by a host file.

It implements MicroPython's extended block protocol (readblocks/writeblocks
with offsets, ioctl erase), so ``vfs.VfsLfs2`` runs on it exactly as on a
board's SPI flash. Erased flash reads 0xFF. ``cut_after_writes`` simulates a
power cut: that many block writes succeed, then every write raises, as if the
chip lost power mid-run (tests remount the file afterwards).
"""

_IOCTL_BLOCK_COUNT = 4
_IOCTL_BLOCK_SIZE = 5
_IOCTL_BLOCK_ERASE = 6


class PowerCut(OSError):
    pass


class FileBlockDevice:
    def __init__(self, f, block_count, block_size=4096, cut_after_writes=None):
        self.f = f
        self.block_count = block_count
        self.block_size = block_size
        self.cut_after_writes = cut_after_writes
        self.writes = 0

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

    def readblocks(self, block, buf, offset=0):
        self.f.seek(block * self.block_size + offset)
        self.f.readinto(buf)

    def _count_write(self):
        if self.cut_after_writes is not None and self.writes >= self.cut_after_writes:
            raise PowerCut(5)
        self.writes += 1

    def writeblocks(self, block, buf, offset=None):
        self._count_write()
        if offset is None:
            # Simple protocol: whole blocks, erase implied.
            offset = 0
        self.f.seek(block * self.block_size + offset)
        self.f.write(buf)
        self.f.flush()

    def ioctl(self, op, arg):
        if op == _IOCTL_BLOCK_COUNT:
            return self.block_count
        if op == _IOCTL_BLOCK_SIZE:
            return self.block_size
        if op == _IOCTL_BLOCK_ERASE:
            self._count_write()
            self.f.seek(arg * self.block_size)
            self.f.write(b"\xff" * self.block_size)
            self.f.flush()
            return 0
        return 0
