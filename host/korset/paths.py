"""Where the firmware, the board definitions and the virtual board's code live.

A source checkout (editable install) uses the repository's own directories;
an installed wheel carries copies of ``firmware/`` and ``boards/`` beside the
package, in ``korset_bundle/``.
"""

from pathlib import Path

_PACKAGE = Path(__file__).resolve().parent
_REPO = _PACKAGE.parent.parent
_BUNDLE = _PACKAGE.parent / "korset_bundle"


def _pick(name: str) -> Path:
    if (_REPO / "firmware" / "main.py").is_file():
        return _REPO / name
    return _BUNDLE / name


def repo_dir() -> Path:
    """The source checkout this package runs from (meaningful for editable installs)."""
    return _REPO


def firmware_dir() -> Path:
    return _pick("firmware")


def boards_dir() -> Path:
    return _pick("boards")


def vboard_mp_dir() -> Path:
    """MicroPython modules that make up the virtual board's hardware."""
    return _PACKAGE / "vboard" / "mp"


def user_data_dir() -> Path:
    """The user's Korset data (synced sessions, history): $KORSET_HOME, or the platform's
    user data directory."""
    import os

    if os.environ.get("KORSET_HOME"):
        return Path(os.environ["KORSET_HOME"])
    import platformdirs

    return Path(platformdirs.user_data_dir("korset", appauthor=False))


class BoardFileError(ValueError):
    pass


def load_board(name_or_path: str) -> dict:
    """A board definition: a name from boards/, or a path to a JSON file; validated."""
    from korsetfw import boarddef

    path = Path(name_or_path)
    if path.suffix != ".json":
        path = boards_dir() / f"{name_or_path}.json"
    if not path.exists():
        known = ", ".join(sorted(p.stem for p in boards_dir().glob("*.json")))
        raise BoardFileError(f"no board {name_or_path!r} (boards: {known})")
    try:
        return boarddef.load(str(path))
    except boarddef.BoardError as e:
        raise BoardFileError(str(e)) from None
