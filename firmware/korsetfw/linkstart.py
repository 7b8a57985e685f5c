"""Starting the BLE link (``Link.start``, once, when the main loop starts): the radio's
configuration, the GATT services, the advertisement. In a module of its own so that
its code is dropped once it has run (``korsetfw.forget``): MicroPython keeps every
imported module's bytecode in the heap, and this runs once per boot. It sets up the
``Link`` it is given as ``Link.start`` would: its handles, its bond flag, its
advertisement.
"""

from korsetfw import FIRMWARE_VERSION, const
from korsetfw import protocol as p

_FLAG_READ = const(0x0002)
_FLAG_WRITE = const(0x0008)
_FLAG_NOTIFY = const(0x0010)
_FLAG_READ_ENCRYPTED = const(0x0200)
_FLAG_WRITE_ENCRYPTED = const(0x1000)
_REQUEST_BUFFER = const(244)  # ATT_MTU - 3: a programme of 16 sets is 2 + 1 + 16 * 14


def _uuid_le(text):
    import binascii

    return bytes(reversed(binascii.unhexlify(text.replace("-", ""))))


def advertising_payloads(name):
    """(advertising data, scan response): flags and the name; the Korset service UUID.

    Both do not fit the 31 bytes of one legacy advertisement. The name goes
    first because hosts find the board by it (and Bumble's emulated
    controller answers scan requests with the advertising data)."""
    encoded = name.encode()[:26]
    adv = bytes((2, 0x01, 0x06, len(encoded) + 1, 0x09)) + encoded
    return adv, bytes((17, 0x07)) + _uuid_le(p.SERVICE_UUID)


def start(link):
    """Start ``link`` (a ``korsetfw.link.Link``)."""
    ble = link.ble
    ble.active(True)
    ble.config(gap_name=link.name, mtu=p.ATT_MTU)
    if link.can_bond:
        try:
            ble.config(bond=True, le_secure=True, mitm=False, io=3)
        except ValueError:
            # "unknown config param": this port was built without pairing (a board
            # file naming the wrong stack). Run as on BTstack rather than not at all.
            link.can_bond = False
            link.out("ble: this port cannot pair or bond; the board key alone "
                     "authorises")
    ble.irq(link._irq)
    UUID = link.bt.UUID  # noqa: N806 (the port's class)
    read_enc = _FLAG_READ_ENCRYPTED if link.can_bond else 0
    write_enc = _FLAG_WRITE_ENCRYPTED if link.can_bond else 0
    korset = (UUID(p.SERVICE_UUID), (
        (UUID(p.CONTROL_UUID), _FLAG_WRITE | _FLAG_NOTIFY | write_enc),
        (UUID(p.DATA_UUID), _FLAG_NOTIFY | read_enc),
        (UUID(p.LIVE_UUID), _FLAG_NOTIFY | read_enc),
    ))
    info = (UUID(p.DEVICE_INFO_UUID), (
        (UUID(p.MANUFACTURER_UUID), _FLAG_READ),
        (UUID(p.MODEL_UUID), _FLAG_READ),
        (UUID(p.FIRMWARE_REV_UUID), _FLAG_READ),
    ))
    battery = (UUID(p.BATTERY_SERVICE_UUID), ((UUID(p.BATTERY_LEVEL_UUID),
                                               _FLAG_READ | _FLAG_NOTIFY),))
    ((link.h_control, link.h_data, link.h_live),
     (h_manufacturer, h_model, h_firmware), (link.h_battery,)) = \
        ble.gatts_register_services((korset, info, battery))
    ble.gatts_set_buffer(link.h_control, _REQUEST_BUFFER)
    ble.gatts_write(h_manufacturer, p.MANUFACTURER.encode())
    ble.gatts_write(h_model, link.board_name.encode())
    ble.gatts_write(h_firmware, FIRMWARE_VERSION.encode())
    link._update_battery()
    if link.can_bond and len(link.bonds) == 0:
        link._pairing_until_ms = -1  # first boot: open until the first bond
    link._adv = advertising_payloads(link.name)
    link._advertise()
