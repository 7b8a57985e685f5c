"""Korset firmware: the code that runs on the wearable (MicroPython 1.29+).

Every module here except ``hw`` imports on CPython 3.11+ and on MicroPython
alike and touches no hardware at import time: hardware objects are built by
``korsetfw.hw`` from the board definition and passed in.
"""

FIRMWARE_VERSION = "0.1.0"

# The few names that differ between MicroPython and CPython (here rather than in a
# module of their own: on a board every module costs a module object and a dict).
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


# Modules the host uses and boards never do: not copied onto a board (korset flash, the
# virtual board's install), so that they take none of its RAM or flash. Firmware code
# must not import them (tests/host/test_boards.py checks the boot works without them).
HOST_ONLY = ("catalogue_text", "catalogue_motion", "protocol_names", "sessiondecode")


def forget(*names):
    """Drop these modules of the package (``"boarddef"``...) once nothing needs them again,
    so that their code and tables go back to the heap at the next collection (MicroPython
    keeps every imported module's bytecode in RAM). Whoever still holds one of their
    objects keeps that module alive; a later import loads it again. Only on MicroPython:
    on CPython (the host) modules are shared by everything in the process and stay."""
    import sys

    if sys.implementation.name != "micropython":
        return
    package = globals()
    for name in names:
        sys.modules.pop(__name__ + "." + name, None)
        package.pop(name, None)  # the package's attribute for its submodule
    import gc

    gc.collect()
