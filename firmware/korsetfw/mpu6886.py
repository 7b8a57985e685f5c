"""InvenSense/TDK MPU-6886 and MPU-6050 accelerometer + gyroscope over I2C, read through the FIFO.

Sources, cited below by their short names:

- "6886 DS": TDK InvenSense DS-000193 "MPU-6886", rev 1.1, with its register
  map and register descriptions (cited by register name and address).
- "6050 RM": InvenSense RM-MPU-6000A-00 "MPU-6000 and MPU-6050 Register Map and
  Descriptions", rev 4.2 (sections 4.x, one per register).
- "6050 PS": InvenSense PS-MPU-6000A-00 "MPU-6000 and MPU-6050 Product
  Specification", rev 3.4.

The two chips share the register map used here (addresses, bit positions,
scales); they differ in the WHO_AM_I value, in what the FIFO does when it is
full, in what one FIFO packet holds, and the MPU-6886 has a separate
accelerometer filter register. One class per chip, on a shared base.

Same public API as ``korsetfw.lsm6dsox.LSM6DSOX``: check identity, configure,
then ``read(out)`` drains whole samples into an ``array('h')`` as raw int16
counts (ax ay az gx gy gz, sensor frame) without allocating. The one
difference: ``rate_hz`` defaults to 100, as 104 is not a rate these chips make.

Output data rates: the sample rate is 1 kHz / (1 + SMPLRT_DIV) with the
digital low-pass filter on (6050 RM 4.2; 6886 DS SMPLRT_DIV), so the
LSM6DSOX's 26/52/104/208 Hz cannot be made. These chips offer their own whole-Hz
rates instead: ``RATES_HZ`` = 25, 50, 100, 200 Hz, each with the filter set
below half the rate so that the FIFO data is not aliased.
"""

from korsetfw import const
from korsetfw.i2cdev import I2CRegisters

# Register addresses, shared by both chips (6050 RM section 3 "Register Map";
# 6886 DS register map).
_SMPLRT_DIV = const(0x19)
_CONFIG = const(0x1A)  # [6] FIFO_MODE (MPU-6886 only), [2:0] DLPF_CFG
_GYRO_CONFIG = const(0x1B)  # [4:3] FS_SEL; [1:0] FCHOICE_B (MPU-6886), 00 = filter on
_ACCEL_CONFIG = const(0x1C)  # [4:3] AFS_SEL
_ACCEL_CONFIG2 = const(0x1D)  # MPU-6886 only: [3] ACCEL_FCHOICE_B, [2:0] A_DLPF_CFG
_FIFO_EN = const(0x23)
_INT_ENABLE = const(0x38)
_INT_STATUS = const(0x3A)
_USER_CTRL = const(0x6A)
_PWR_MGMT_1 = const(0x6B)
_FIFO_COUNTH = const(0x72)  # then FIFO_COUNTL at 0x73
_FIFO_R_W = const(0x74)
_WHO_AM_I = const(0x75)

# AD0 low; 0x69 with AD0 high (6050 PS section 9.2 "I2C Interface"; 6886 DS
# I2C interface section: the same 110100x).
DEFAULT_ADDRESS = const(0x68)

# PWR_MGMT_1 (6050 RM 4.28; 6886 DS PWR_MGMT_1): DEVICE_RESET [7] restores
# every register and clears itself; SLEEP [6] is set by the reset on the
# MPU-6050 (reset value 0x40) and on the MPU-6886 (0x41). CLKSEL = 1 takes the
# gyroscope PLL as clock: "highly recommended" over the internal oscillator on
# the MPU-6050 (RM 4.28), and "auto-select the best clock" on the MPU-6886.
_DEVICE_RESET = const(0x80)
_WAKE_PLL = const(0x01)
# Reads of PWR_MGMT_1 while waiting for DEVICE_RESET to clear. The driver has
# no clock of its own; each read takes at least ~0.1 ms on a 400 kHz bus, so
# this allows some hundreds of milliseconds, more than the 100 ms InvenSense
# advises after a reset. The chip may NACK while it resets: that is retried.
_RESET_POLLS = const(2000)

# INT_ENABLE / INT_STATUS bit 4: FIFO_OFLOW (6050 RM 4.15/4.16; 6886 DS
# INT_ENABLE/INT_STATUS). The status bit clears when INT_STATUS is read. The
# register maps do not say whether a disabled source still sets its status
# bit, so the driver enables it (the INT pin is not used by the firmware).
_FIFO_OFLOW = const(0x10)
# USER_CTRL (6050 RM 4.27; 6886 DS USER_CTRL): FIFO_EN [6], FIFO_RESET [2].
# The 6050 RM says FIFO_RESET works "while FIFO_EN equals 0", so a reset is
# two writes: reset with the FIFO disabled, then enable.
_USER_FIFO_EN = const(0x40)
_USER_FIFO_RESET = const(0x04)

# Rate -> (SMPLRT_DIV, DLPF_CFG). Rate = 1 kHz / (1 + SMPLRT_DIV) when
# DLPF_CFG is 1..6 (6050 RM 4.2 and 4.3; 6886 DS SMPLRT_DIV and CONFIG). The
# filter bandwidth is the largest one below half the rate (6050 RM 4.3 table:
# gyro 98/42/20/10 Hz, accel 94/44/21/10 Hz for DLPF_CFG 2/3/4/5; 6886 DS
# CONFIG table: gyro 92/41/20/10 Hz and ACCEL_CONFIG2 table: accel
# 99/44.8/21.2/10.2 Hz for the same codes, written to A_DLPF_CFG).
RATES = {25: (39, 5), 50: (19, 4), 100: (9, 3), 200: (4, 2)}

# Full scale -> (FS code, sensitivity).
# Accelerometer: AFS_SEL [4:3] and LSB/g (6050 RM 4.5, 6050 PS section 6.2
# "Accelerometer Specifications"; 6886 DS section 3.2).
ACCEL_FS = {2: (0, 16384), 4: (1, 8192), 8: (2, 4096), 16: (3, 2048)}
# Gyroscope: FS_SEL [4:3] and sensitivity in units of 0.1 LSB per degree/s
# (131, 65.5, 32.8, 16.4 LSB/(deg/s): 6050 RM 4.4, 6050 PS section 6.1
# "Gyroscope Specifications"; 6886 DS section 3.1), kept as integers.
GYRO_FS = {250: (0, 1310), 500: (1, 655), 1000: (2, 328), 2000: (3, 164)}


class MPUBase(I2CRegisters):
    """The shared driver; use ``MPU6886`` or ``MPU6050``.

    ``batch`` is the most samples one ``read`` returns; the FIFO holds more
    (1024 bytes), so a slow loop loses nothing until the FIFO overflows, which
    ``overruns`` counts. The FIFO packets carry no tags, so after an overflow
    the driver cannot tell where packets start: it empties the FIFO and
    resumes with fresh data (what is lost is lost on the chip).

    Sensitivities: ``accel_g_per_lsb`` and ``gyro_dps_per_lsb`` are the
    datasheet's exact values (1/16384 g per LSB, 1/131 deg/s per LSB, ...),
    computed once here; the per-sample path works in counts.
    """

    NAME = "MPU"
    WHO_AM_I_VALUE = 0
    RATES_HZ = tuple(sorted(RATES))
    ACCEL_RANGES_G = tuple(sorted(ACCEL_FS))
    GYRO_RANGES_DPS = tuple(sorted(GYRO_FS))
    # What one FIFO packet holds for FIFO_EN_VALUE, and where the gyroscope
    # starts in it (the accelerometer always starts at 0: data enters the FIFO
    # in register order).
    FIFO_EN_VALUE = 0
    PACKET = 12
    GYRO_AT = 6
    CONFIG_EXTRA = 0  # bits ORed into CONFIG besides DLPF_CFG
    HAS_ACCEL_CONFIG2 = False

    def __init__(self, i2c, address=DEFAULT_ADDRESS, rate_hz=100, accel_fs_g=4,
                 gyro_fs_dps=500, batch=16):
        name = self.NAME
        if rate_hz not in RATES:
            raise ValueError("%s: unsupported rate %r Hz, use one of %s"
                             % (name, rate_hz, list(self.RATES_HZ)))
        if accel_fs_g not in ACCEL_FS:
            raise ValueError("%s: unsupported accelerometer range %r g" % (name, accel_fs_g))
        if gyro_fs_dps not in GYRO_FS:
            raise ValueError("%s: unsupported gyroscope range %r dps" % (name, gyro_fs_dps))
        I2CRegisters.__init__(self, i2c, address)
        self.rate_hz = rate_hz
        self.accel_fs_g = accel_fs_g
        self.gyro_fs_dps = gyro_fs_dps
        self.accel_g_per_lsb = 1.0 / ACCEL_FS[accel_fs_g][1]
        self.gyro_dps_per_lsb = 10.0 / GYRO_FS[gyro_fs_dps][1]
        self.batch = batch
        self.overruns = 0
        self.bus_errors = 0
        self._count = bytearray(2)
        self._check = bytearray(4)
        # One buffer for the largest burst and a view per number of packets,
        # made now so that read() allocates nothing.
        packet = self.PACKET
        self._raw = bytearray(packet * batch)
        raw = memoryview(self._raw)
        self._views = [raw[: packet * k] for k in range(1, batch + 1)]
        # Views of 1 .. PACKET-1 bytes to skip the rest of a torn packet.
        self._skip_views = [raw[:k] for k in range(1, packet)]
        # A FIFO burst that failed may have moved some bytes before the error.
        # _torn_ref is the FIFO count read just before that burst (-1: no
        # doubt) and _skew how far the FIFO's head then was past a packet
        # start; see _realign().
        self._torn_ref = -1
        self._skew = 0
        self._fifo_ok = False
        self._check_identity(_WHO_AM_I)
        self._configure()

    # -- registers -------------------------------------------------------------

    def _identity_hint(self, who):
        for cls in (MPU6886, MPU6050):
            if who == cls.WHO_AM_I_VALUE:
                return " (that is an %s)" % cls.NAME
        return ""

    def _reset(self):
        self._write_reg(_PWR_MGMT_1, _DEVICE_RESET)
        for _ in range(_RESET_POLLS):
            try:
                if not self._read_reg(_PWR_MGMT_1) & _DEVICE_RESET:
                    return
            except OSError:
                pass  # busy resetting: not answering yet
        raise OSError("%s: DEVICE_RESET at 0x%02x did not complete" % (self.NAME, self._address))

    def _configure(self):
        self._reset()
        # The reset leaves the chip asleep: wake it, clocked from the PLL.
        self._write_reg(_PWR_MGMT_1, _WAKE_PLL)
        div, dlpf = RATES[self.rate_hz]
        config = [div, dlpf | self.CONFIG_EXTRA, GYRO_FS[self.gyro_fs_dps][0] << 3,
                  ACCEL_FS[self.accel_fs_g][0] << 3]
        for k in range(4):
            self._write_reg(_SMPLRT_DIV + k, config[k])  # FCHOICE_B = 00: filter on
        if self.HAS_ACCEL_CONFIG2:
            # ACCEL_FCHOICE_B = 0 (filter on), A_DLPF_CFG = the same code.
            self._write_reg(_ACCEL_CONFIG2, dlpf)
        # A write lost to a chip not yet out of reset would leave a rate or a
        # range other than the one reported: check them once.
        self._i2c.readfrom_mem_into(self._address, _SMPLRT_DIV, self._check)
        for k in range(4):
            if self._check[k] != config[k]:
                raise OSError("%s at 0x%02x: register 0x%02x reads 0x%02x after writing 0x%02x"
                              % (self.NAME, self._address, _SMPLRT_DIV + k, self._check[k],
                                 config[k]))
        self._write_reg(_INT_ENABLE, _FIFO_OFLOW)
        self._write_reg(_FIFO_EN, self.FIFO_EN_VALUE)
        self._reset_fifo()

    def _reset_fifo(self):
        # If a write fails half-way the FIFO may be left disabled: _fifo_ok
        # stays False and the next read() tries again.
        self._fifo_ok = False
        self._write_reg(_USER_CTRL, _USER_FIFO_RESET)
        self._write_reg(_USER_CTRL, _USER_FIFO_EN)
        self._torn_ref = -1
        self._skew = 0
        self._fifo_ok = True

    # -- reading ---------------------------------------------------------------

    def read(self, out):
        """Move up to ``batch`` complete samples from the FIFO into ``out``.

        ``out`` is an ``array('h')`` of at least ``6 * batch`` items; sample i
        fills ``out[6*i : 6*i+6]`` as ax ay az gx gy gz counts. Returns the
        number of samples. A bus error is counted and reads as 0 samples: the
        next call tries again (the FIFO keeps the data meanwhile). A FIFO
        overflow is counted, the FIFO emptied, and 0 samples returned.
        """
        i2c = self._i2c
        address = self._address
        try:
            if not self._fifo_ok:
                self._reset_fifo()
                return 0
            i2c.readfrom_mem_into(address, _INT_STATUS, self._one)
            if self._one[0] & _FIFO_OFLOW:
                self.overruns += 1
                self._reset_fifo()
                return 0
            i2c.readfrom_mem_into(address, _FIFO_COUNTH, self._count)
            count = (self._count[0] << 8) | self._count[1]
            if self._torn_ref >= 0:
                count = self._realign(count)
            n = count // self.PACKET
            if n <= 0:
                return 0
            if n > self.batch:
                n = self.batch
            self._torn_ref = count
            i2c.readfrom_mem_into(address, _FIFO_R_W, self._views[n - 1])
            self._torn_ref = -1
        except OSError:
            self.bus_errors += 1
            return 0
        return self._decode(n, out)

    def _realign(self, count):
        """Skip what is left of a packet that a failed burst read in part.

        Between the FIFO count ``_torn_ref`` read before the failed burst and
        ``count`` now, the chip added whole packets and the burst removed some
        number p of bytes, so p = _torn_ref - count (mod PACKET): that is how
        far into a packet the FIFO's head now is. Reading the rest of that
        packet puts the head back on a packet start. Returns the count left.
        """
        packet = self.PACKET
        skew = (self._skew + self._torn_ref - count) % packet
        if skew:
            # If this read fails too, the next call starts from here.
            self._skew = skew
            self._torn_ref = count
            self._i2c.readfrom_mem_into(self._address, _FIFO_R_W,
                                        self._skip_views[packet - skew - 1])
            count -= packet - skew
        self._skew = 0
        self._torn_ref = -1
        return count

    def _decode(self, n, out):
        raw = self._raw
        packet = self.PACKET
        gyro = self.GYRO_AT
        for i in range(n):
            p = i * packet
            o = 6 * i
            for k in range(3):
                # Big-endian, high byte first (6050 RM 4.17/4.19; 6886 DS
                # ACCEL_*OUT_H/L and GYRO_*OUT_H/L), two's complement.
                a = p + 2 * k
                v = (raw[a] << 8) | raw[a + 1]
                out[o + k] = v - 0x10000 if v & 0x8000 else v
                a += gyro
                v = (raw[a] << 8) | raw[a + 1]
                out[o + 3 + k] = v - 0x10000 if v & 0x8000 else v
        return n


class MPU6886(MPUBase):
    """MPU-6886 (M5Stack AtomS3, M5StickC Plus)."""

    NAME = "MPU-6886"
    WHO_AM_I_VALUE = 0x19  # 6886 DS WHO_AM_I (0x75)
    # FIFO_EN (6886 DS, 0x23): GYRO_FIFO_EN [4] and ACCEL_FIFO_EN [3]; bits
    # 7:5 are reserved, unlike the MPU-6050. With both on, a packet is
    # accelerometer, temperature, gyroscope: 14 bytes in register order.
    FIFO_EN_VALUE = 0x18
    PACKET = 14
    GYRO_AT = 8
    # CONFIG FIFO_MODE [6] = 1: when the FIFO is full, further samples are not
    # written (0 would overwrite the oldest bytes and could leave the FIFO
    # holding a torn packet at its head). Data is lost either way; this way
    # the FIFO always starts on a packet.
    CONFIG_EXTRA = 0x40
    HAS_ACCEL_CONFIG2 = True


class MPU6050(MPUBase):
    """MPU-6050 (breakout boards such as the GY-521)."""

    NAME = "MPU-6050"
    WHO_AM_I_VALUE = 0x68  # 6050 RM 4.32 WHO_AM_I (117): bits 6:1 = 110100
    # FIFO_EN (6050 RM 4.6, 35): XG [6], YG [5], ZG [4], ACCEL [3]; TEMP [7]
    # left off, so a packet is accelerometer then gyroscope, 12 bytes.
    FIFO_EN_VALUE = 0x78
    PACKET = 12
    GYRO_AT = 6
    # The MPU-6050 has no FIFO_MODE bit (CONFIG [7:6] reserved). Its FIFO
    # overwrites the oldest data when full (6050 RM 4.31 FIFO_R_W: "the
    # oldest data will be lost and new data will be written"), byte by byte
    # in a 1024-byte FIFO that is not a whole number of 12-byte packets: the
    # reason to empty the FIFO after an overflow.
    CONFIG_EXTRA = 0
    HAS_ACCEL_CONFIG2 = False
