"""The few names that differ between MicroPython and CPython."""

try:
    from micropython import const, native
except ImportError:  # CPython: both are only compiler hints on MicroPython

    def const(value):  # type: ignore[misc]
        return value

    def native(function):  # type: ignore[misc]
        return function


__all__ = ["const", "native"]
