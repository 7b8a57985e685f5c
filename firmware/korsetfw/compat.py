"""The few names that differ between MicroPython and CPython."""

try:
    from micropython import const
except ImportError:  # CPython: const() is only a compile-time hint on MicroPython

    def const(value):  # type: ignore[misc]
        return value


__all__ = ["const"]
