"""ST LSM6DSOX accelerometer + gyroscope over I2C, read through its FIFO.

Datasheet: ST DS12814 "LSM6DSOX", Rev 3. Sections cited below refer to it.

The driver takes an I2C bus (``machine.I2C`` or anything with the same
``readfrom_mem_into``/``writeto_mem``), checks the chip's identity, sets the
output data rate and full-scale ranges, and batches both sensors into the FIFO
in continuous mode. ``read`` drains whole samples into a caller's
``array('h')`` as raw int16 counts (ax ay az gx gy gz, sensor frame) without
allocating; the sensitivities convert counts to units.
"""

from korsetfw import const
from korsetfw.i2cdev import I2CRegisters

# Register addresses (section 8, Table 20 "Registers address map").
_FIFO_CTRL3 = const(0x09)  # BDR_GY[7:4], BDR_XL[3:0]
_FIFO_CTRL4 = const(0x0A)  # FIFO_MODE[2:0]
_WHO_AM_I = const(0x0F)
_CTRL1_XL = const(0x10)  # ODR_XL[7:4], FS_XL[3:2]
_CTRL2_G = const(0x11)  # ODR_G[7:4], FS_G[3:2], FS_125[1]
_CTRL3_C = const(0x12)  # BDU[6], IF_INC[2], SW_RESET[0]
_FIFO_STATUS1 = const(0x3A)  # DIFF_FIFO[7:0]; FIFO_STATUS2 follows
_FIFO_DATA_OUT_TAG = const(0x78)  # then X_L..Z_H at 0x79-0x7E

DEFAULT_ADDRESS = const(0x6A)  # SA0 low; 0x6B with SA0 high (section 6.3.1)

# FIFO_CTRL4 FIFO_MODE = 110: continuous, the oldest word is overwritten when
# full (section 6.5.4).
_FIFO_MODE_CONTINUOUS = const(0x06)
# FIFO_STATUS2 bits (section 9.40).
_FIFO_OVR_IA = const(0x40)
_FIFO_OVR_LATCHED = const(0x08)
# FIFO_DATA_OUT_TAG: TAG_SENSOR[7:3], TAG_CNT[2:1], TAG_PARITY[0]
# (section 9.77, Table 100 "FIFO tag").
_TAG_GYRO = const(0x01)
_TAG_ACCEL = const(0x02)
_CTRL3_IF_INC_BDU = const(0x44)
_CTRL3_SW_RESET = const(0x01)

# ODR codes for CTRL1_XL/CTRL2_G and the FIFO batch data rate (sections 9.15,
# 9.16, 9.8): the same 4-bit code serves all three. 12.5 Hz is left out: the
# firmware's rates are whole numbers of Hz.
ODR_CODES = {26: 0x2, 52: 0x3, 104: 0x4, 208: 0x5, 416: 0x6, 833: 0x7}
# Full scale -> (FS field, sensitivity). Table 2, "Mechanical characteristics":
# accelerometer in micro-g per LSB, gyroscope in micro-degrees/s per LSB.
ACCEL_FS = {2: (0x0, 61), 4: (0x2, 122), 8: (0x3, 244), 16: (0x1, 488)}
GYRO_FS = {125: (0x1, 4375), 250: (0x0, 8750), 500: (0x2, 17500), 1000: (0x4, 35000),
           2000: (0x6, 70000)}

_WORD = const(7)  # FIFO word: 1 tag byte + 6 data bytes (section 6.5.7)


class LSM6DSOX(I2CRegisters):
    """One LSM6DSOX on an I2C bus.

    ``batch`` is the most samples one ``read`` returns; the FIFO holds more
    (section 6.5), so a slow loop loses nothing until the FIFO overruns, which
    ``overruns`` counts.
    """

    NAME = "LSM6DSOX"
    WHO_AM_I_VALUE = 0x6C  # section 9.13
    RATES_HZ = tuple(sorted(ODR_CODES))
    ACCEL_RANGES_G = tuple(sorted(ACCEL_FS))
    GYRO_RANGES_DPS = tuple(sorted(GYRO_FS))

    def __init__(self, i2c, address=DEFAULT_ADDRESS, rate_hz=104, accel_fs_g=4,
                 gyro_fs_dps=500, batch=16):
        if rate_hz not in ODR_CODES:
            raise ValueError("LSM6DSOX: unsupported rate %r Hz, use one of %s"
                             % (rate_hz, sorted(ODR_CODES)))
        if accel_fs_g not in ACCEL_FS:
            raise ValueError("LSM6DSOX: unsupported accelerometer range %r g" % (accel_fs_g,))
        if gyro_fs_dps not in GYRO_FS:
            raise ValueError("LSM6DSOX: unsupported gyroscope range %r dps" % (gyro_fs_dps,))
        I2CRegisters.__init__(self, i2c, address)
        self.rate_hz = rate_hz
        self.accel_fs_g = accel_fs_g
        self.gyro_fs_dps = gyro_fs_dps
        # Sensitivity, as Table 2 gives it (computed once; the per-sample path
        # works in counts).
        self.accel_g_per_lsb = ACCEL_FS[accel_fs_g][1] * 1e-6
        self.gyro_dps_per_lsb = GYRO_FS[gyro_fs_dps][1] * 1e-6
        self.batch = batch
        self.overruns = 0
        self.bus_errors = 0
        self._status = bytearray(2)
        # One buffer for the largest burst (two words per sample) and a view
        # per burst length, made now so that read() allocates nothing.
        self._raw = bytearray(_WORD * 2 * batch)
        raw = memoryview(self._raw)
        self._views = [raw[: _WORD * k] for k in range(1, 2 * batch + 1)]
        # Half-assembled sample carried between reads: gyro and accel words of
        # one batch event share TAG_CNT and may straddle two bursts.
        self._slot = -1
        self._have = 0
        self._pending = [0, 0, 0, 0, 0, 0]
        self._check_identity(_WHO_AM_I)
        self._configure()

    def _configure(self):
        # Software reset restores every register to its default (section 9.17);
        # the bit clears itself when done.
        self._write_reg(_CTRL3_C, _CTRL3_SW_RESET)
        for _ in range(10):
            if not self._read_reg(_CTRL3_C) & _CTRL3_SW_RESET:
                break
        self._write_reg(_CTRL3_C, _CTRL3_IF_INC_BDU)
        odr = ODR_CODES[self.rate_hz]
        self._write_reg(_CTRL1_XL, (odr << 4) | (ACCEL_FS[self.accel_fs_g][0] << 2))
        self._write_reg(_CTRL2_G, (odr << 4) | (GYRO_FS[self.gyro_fs_dps][0] << 1))
        # Batch both sensors at the output rate; continuous mode.
        self._write_reg(_FIFO_CTRL3, (odr << 4) | odr)
        self._write_reg(_FIFO_CTRL4, _FIFO_MODE_CONTINUOUS)

    def read(self, out):
        """Move up to ``batch`` complete samples from the FIFO into ``out``.

        ``out`` is an ``array('h')`` of at least ``6 * batch`` items; sample i
        fills ``out[6*i : 6*i+6]`` as ax ay az gx gy gz counts. Returns the
        number of samples. A bus error is counted and reads as 0 samples: the
        next call tries again (the FIFO keeps the data meanwhile).
        """
        try:
            self._i2c.readfrom_mem_into(self._address, _FIFO_STATUS1, self._status)
            status2 = self._status[1]
            words = self._status[0] | ((status2 & 0x03) << 8)
            if status2 & (_FIFO_OVR_IA | _FIFO_OVR_LATCHED):
                self.overruns += 1
            if words == 0:
                return 0
            if words > 2 * self.batch:
                words = 2 * self.batch
            self._i2c.readfrom_mem_into(self._address, _FIFO_DATA_OUT_TAG,
                                        self._views[words - 1])
        except OSError:
            self.bus_errors += 1
            return 0
        return self._decode(words, out)

    def _decode(self, words, out):
        raw = self._raw
        pending = self._pending
        n = 0
        for w in range(words):
            p = w * _WORD
            tag = raw[p]
            sensor = tag >> 3
            slot = (tag >> 1) & 0x03
            if sensor == _TAG_ACCEL:
                base = 0
                bit = 1
            elif sensor == _TAG_GYRO:
                base = 3
                bit = 2
            else:
                continue  # temperature, timestamp, empty: not batched here
            if slot != self._slot:
                # A new batch event; an incomplete one before it is dropped.
                self._slot = slot
                self._have = 0
            for k in range(3):
                v = raw[p + 1 + 2 * k] | (raw[p + 2 + 2 * k] << 8)  # little-endian
                pending[base + k] = v - 0x10000 if v & 0x8000 else v
            self._have |= bit
            if self._have == 3:
                o = 6 * n
                for k in range(6):
                    out[o + k] = pending[k]
                n += 1
                self._have = 0
                self._slot = -1
        return n
