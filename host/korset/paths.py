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
