"""Files a command writes: never a file the user has, unless asked, and never an input.

Every command that writes a file the user names checks its outputs first with
``check(outputs, inputs=..., force=...)``: an output that is also an input is
refused even with ``--force`` (writing it would destroy what is being read);
an output that exists is refused unless ``--force`` was given; two outputs
naming the same file are refused. ``write(path, produce)`` then writes through
a temporary file beside the target and renames it into place, so a failed or
interrupted write leaves the old file (or none), never half of one.
"""

from __future__ import annotations

import argparse
import os
from collections.abc import Callable, Iterable
from pathlib import Path

from korset import KorsetError


class OutputError(KorsetError):
    pass


def add_force_argument(p: argparse.ArgumentParser) -> None:
    p.add_argument("--force", action="store_true",
                   help="replace output files that exist already (an input is never "
                        "replaced)")


def _same(a: Path, b: Path) -> bool:
    try:
        return a.exists() and b.exists() and os.path.samefile(a, b)
    except OSError:
        return False


def check(outputs: Iterable[Path | None], *, inputs: Iterable[Path | None] = (),
          force: bool = False) -> None:
    """Refuse, with the path and the way out, any output that would destroy a file."""
    outs = [Path(o) for o in outputs if o is not None]
    ins = [Path(i) for i in inputs if i is not None]
    for i, out in enumerate(outs):
        if out.is_dir():
            raise OutputError(f"{out} is a directory: give a file name")
        for source in ins:
            if _same(out, source) or out.resolve() == source.resolve():
                raise OutputError(f"{out} is also the input: give another output path")
        for other in outs[:i]:
            if out.resolve() == other.resolve():
                raise OutputError(f"{out} is named for two outputs: give each its own path")
        if out.exists() and not force:
            raise OutputError(f"{out} exists: give another path, or --force to replace it")


def write(path: Path, produce: Callable[[Path], None]) -> None:
    """Have ``produce`` write into a temporary file beside ``path``, then rename it into
    place; the temporary file is removed if ``produce`` fails or is interrupted."""
    path = Path(path)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        produce(tmp)
        os.replace(tmp, path)
    except OSError as e:
        raise OutputError(f"{path}: cannot write: {e.strerror or e}") from None
    finally:
        tmp.unlink(missing_ok=True)
