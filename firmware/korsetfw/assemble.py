"""The running firmware put together from boot's parts (``app``, called by ``/main.py``).

``korsetfw.boot.parts`` reads the board's files and brings the hardware up;
``/main.py`` then drops boot and calls ``app`` here, so that boot's code and
the App's and link's modules are never in the heap together (on a 32-bit
port the end of boot was its highest point, 0.9 KB above the running set:
``korset bench firmware``). This module is dropped in turn once the App is
built.
"""


def app(board, prefs, hardware, clock, store, wallclock):
    """An App ready to run (``App.run`` starts the link and the loop)."""
    from korsetfw.app import App

    built = App(board, prefs, hardware, clock, store=store, wallclock=wallclock)
    built.settings_path = "/settings.json"
    built.link = _start_link(built, board, hardware, store, clock, wallclock)
    if prefs.watchdog_s:
        from korsetfw import forget, hw

        built.watchdog = hw.watchdog(prefs.watchdog_s)
        forget("hw", "imu")
        print("watchdog: %s" % ("on, %d s" % prefs.watchdog_s if built.watchdog is not None
                                else "this port has none"))
    return built


def _start_link(app, board, hardware, store, clock, wallclock):
    """The BLE link (started by App.run), or None on a port without BLE."""
    if hardware.ble is None:
        return None
    import bluetooth

    from korsetfw import boardkey
    from korsetfw.bonds import BondStore
    from korsetfw.link import Link
    from korsetfw.protocol import DEVICE_NAME_PREFIX

    name = "%s-%s" % (DEVICE_NAME_PREFIX, "".join("%02X" % b for b in hardware.unique_id[-2:]))
    battery = hardware.battery.percent if hardware.battery is not None else None
    key = boardkey.load()
    if key is None:
        print("ble: no board key in %s (flash the board with korset flash): no host can be "
              "authorised" % boardkey.KEY_PATH)
    return Link(hardware.ble, bluetooth, app, store, BondStore("/bonds.json"), clock, name,
                battery, stack=board["ble"]["stack"], key=key, device_id=hardware.unique_id,
                wallclock=wallclock, board_name=board["name"])
