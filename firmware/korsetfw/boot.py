"""Boot: from the board's files to the parts of an App (``parts``, called by ``/main.py``).

Reads ``/board.json``, starts the BLE stack before anything big is imported
(ESP32: see ``_radio_first``), reads ``/settings.json``, builds the hardware
(``bluetooth`` is reached here and in ``hw`` only), waits for a
missing IMU while cueing it and sets the session store up; ``korsetfw.assemble``
then builds the App, its BLE link with the board key, and arms the watchdog
when asked.

What only boot needs is dropped before the loop runs (``korsetfw.forget``), so
that its code goes back to the heap: the board definition's schema and checks
(``boarddef``), the hardware builder and the IMU driver table (``hw``, ``imu``),
the settings' parsing and checks (``settings``: the App keeps the values), and
this module itself (``/main.py`` drops it once ``parts`` has returned, before
``korsetfw.assemble`` imports the App and the link).
"""

from korsetfw import forget

IMU_RETRY_MS = 5000  # a missing IMU is looked for again this often


def parts(hardware=None, clock=None):
    """Boot's part: the board's files read and its hardware up, as the arguments of
    ``korsetfw.assemble.app`` (board, prefs, hardware, clock, store, wallclock).

    ``hardware``/``clock``: stand-ins for ``hw.build``'s parts and ``time`` (the 32-bit
    heap bench); a board passes neither. Each boot-only module is dropped as soon as it
    has done its part; ``/main.py`` drops this one before the App's and the link's
    modules are imported (``korsetfw.assemble``), so that their code and boot's are
    never in the heap at once."""
    if clock is None:
        import time

        clock = time
    board = _load_board("/board.json")
    _radio_first(board)
    prefs = _load_settings("/settings.json")
    if hardware is None:
        hardware = _build_hardware(board, prefs, clock)
    for section in ("mpy_arch", "i2c", "motor", "led", "battery"):
        board.pop(section)  # the hardware's, read by hw.build only: not kept in app.board
    from korsetfw.store import SessionStore

    storage = board["storage"]
    store = SessionStore(storage["data_dir"], storage["min_free_bytes"])
    store.ensure()
    for number in store.tidy():
        print("storage: session %d was cut off before it began; removed" % number)
    import os

    from korsetfw.wallclock import WallClock

    boot = int.from_bytes(os.urandom(4), "little") & 0x3FFFFFFF  # a small int on every port
    return board, prefs, hardware, clock, store, WallClock(clock, boot)


def _load_board(path):
    """The board definition, validated; the validator dropped after use (its schema and
    checks are boot's alone)."""
    from korsetfw import boarddef

    board = boarddef.load(path)
    forget("boarddef")
    board.pop("description")  # a line for people (hundreds of bytes); the board never reads it
    return board


def _load_settings(path):
    """The settings as plain values (``settings.Values``); their parsing and checks
    dropped after use (App.configure loads the module again to save them)."""
    from korsetfw import settings

    prefs = settings.values(settings.load(path))
    forget("settings")
    return prefs


def _build_hardware(board, prefs, clock):
    """The board's parts (``hw.build``), once the IMU answers; the hardware builder and
    the IMU driver table dropped after use (the driver's own module stays: the IMU
    object's class is in it)."""
    from korsetfw import hw

    hardware = hw.build(board, prefs, clock)
    if hardware.imu is None:
        hw.wait_for_imu(hardware, board, prefs, clock, IMU_RETRY_MS)
    forget("hw", "imu")
    return hardware


def _radio_first(board):
    """Start the BLE stack before the firmware's big imports. On ESP32 the MicroPython heap
    starts small and grows on demand out of the memory NimBLE needs as well; started after
    the heap has grown, ``ble.active(True)`` has failed or panicked (micropython#14293 on
    an ESP32-C3). The link registers its services later (``Link.start``)."""
    if board["ble"]["stack"] is None:
        return
    try:
        import bluetooth

        bluetooth.BLE().active(True)
    except (ImportError, OSError):
        pass  # no radio: Link.start says so
