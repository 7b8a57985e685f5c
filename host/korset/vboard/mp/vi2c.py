"""A simulated I2C bus: devices answer by address, transfers take bus time.

Devices implement ``read_into(reg, buf)`` and ``write(reg, buf)``. An address
nobody answers raises OSError(ENODEV) as MicroPython's ports do on a NACK; a
scheduled fault raises OSError(EIO) once, like a glitch on a real wire. Each
transfer advances the clock by its length on the wire (9 bit times per byte
plus start, address and register bytes), so firmware that reads too much per
sample is slowed here as it would be on a board.
"""

_ENODEV = 19
_EIO = 5


class I2CBus:
    def __init__(self, clock, freq_hz=400000):
        self.clock = clock
        self.freq_hz = freq_hz
        self.devices = {}
        self.transfers = 0
        # Transfer numbers (1-based) that fail with EIO: fault injection.
        self.fail_transfers = set()

    def attach(self, address, device):
        self.devices[address] = device

    def _begin(self, address, nbytes):
        self.transfers += 1
        # start + address + register + data bytes, 9 bit times each.
        self.clock.advance_us((2 + nbytes) * 9 * 1000000 // self.freq_hz + 1)
        if self.transfers in self.fail_transfers:
            raise OSError(_EIO)
        device = self.devices.get(address)
        if device is None:
            raise OSError(_ENODEV)
        return device

    def readfrom_mem_into(self, address, reg, buf):
        self._begin(address, len(buf)).read_into(reg, buf)

    def writeto_mem(self, address, reg, buf):
        self._begin(address, len(buf)).write(reg, buf)

    def scan(self):
        return sorted(self.devices)
