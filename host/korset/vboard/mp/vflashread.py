"""Copy files out of a virtual board's flash image.

Run as ``micropython vflashread.py IMAGE BLOCK_SIZE SRC DEST``. It mounts the
LittleFS image read-only at /flash (the host filesystem stays at
/), and copies every file in the board's directory SRC into the host
directory DEST. Prints one line per file: ``NAME SIZE``. Exit status 2 when
the image has no filesystem or SRC is missing.
"""

import os
import sys

import vflash
import vfs


def main(image, block_size, src, dest):
    bdev = vflash.FileBlockDevice.open(image, 0, block_size)
    try:
        vfs.mount(vfs.VfsLfs2(bdev), "/flash", readonly=True)
    except OSError as e:
        print("no filesystem on %s (%s)" % (image, e))
        return 2
    try:
        names = os.listdir("/flash" + src)
    except OSError:
        print("no %s on the board" % src)
        return 2
    piece = bytearray(4096)
    for name in sorted(names):
        path = "/flash" + src + "/" + name
        if os.stat(path)[0] & 0x4000:
            continue
        size = 0
        with open(path, "rb") as f, open(dest + "/" + name, "wb") as out:
            while True:
                n = f.readinto(piece)
                if not n:
                    break
                out.write(piece[:n])
                size += n
        print(name, size)
    vfs.umount("/flash")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]))
