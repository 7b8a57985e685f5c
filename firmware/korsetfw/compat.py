"""The few names that differ between MicroPython and CPython."""

try:
    from micropython import const, native
except ImportError:  # CPython: both are only compiler hints on MicroPython

    def const(value):  # type: ignore[misc]
        return value

    def native(function):  # type: ignore[misc]
        return function


def print_exception(e):
    """The traceback of ``e`` on the console (MicroPython's ``sys.print_exception``)."""
    import sys

    show = getattr(sys, "print_exception", None)
    if show is not None:
        show(e)
        return
    import traceback  # type: ignore[import-not-found]  # CPython only

    traceback.print_exception(e)


__all__ = ["const", "native", "print_exception"]
