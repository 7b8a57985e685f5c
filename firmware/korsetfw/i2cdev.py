"""What every I2C sensor driver here does the same way: single registers and the identity check."""


class I2CRegisters:
    """Base of the IMU drivers: the bus, the address and a one-byte scratch buffer.

    A subclass sets ``NAME`` (the chip, for error messages) and
    ``WHO_AM_I_VALUE``, and may override ``_identity_hint`` to name the chip
    that answered instead.
    """

    NAME = "I2C device"
    WHO_AM_I_VALUE = 0

    def __init__(self, i2c, address):
        self._i2c = i2c
        self._address = address
        self._one = bytearray(1)

    def _read_reg(self, reg):
        self._i2c.readfrom_mem_into(self._address, reg, self._one)
        return self._one[0]

    def _write_reg(self, reg, value):
        self._one[0] = value
        self._i2c.writeto_mem(self._address, reg, self._one)

    def _identity_hint(self, who):
        return ""

    def _check_identity(self, who_am_i_reg):
        """OSError naming the chip, the address and the value read, unless it is ours."""
        try:
            who = self._read_reg(who_am_i_reg)
        except OSError as e:
            raise OSError("%s: no answer at I2C address 0x%02x (%s)"
                          % (self.NAME, self._address, e)) from e
        if who != self.WHO_AM_I_VALUE:
            raise OSError("%s: WHO_AM_I at 0x%02x reads 0x%02x, expected 0x%02x%s"
                          % (self.NAME, self._address, who, self.WHO_AM_I_VALUE,
                             self._identity_hint(who)))
