"""Register-level models of the InvenSense/TDK MPU-6886 and MPU-6050 for the virtual board.

Sources: TDK InvenSense DS-000193 "MPU-6886" rev 1.1 and its register
descriptions ("6886 DS", cited by register); InvenSense RM-MPU-6000A-00 rev 4.2
("6050 RM", sections 4.x) and PS-MPU-6000A-00 rev 3.4 ("6050 PS").

Modelled: WHO_AM_I; PWR_MGMT_1 DEVICE_RESET (every register to its default,
FIFO emptied), SLEEP (set by reset on both chips: no samples until woken) and
CLKSEL = 7 (clock stopped); the sample rate from SMPLRT_DIV and DLPF_CFG
(1 kHz / (1 + SMPLRT_DIV) with the filter on, 8 kHz with it off; on the
MPU-6886 also FCHOICE_B, 32 kHz); the full-scale ranges with the datasheet
sensitivities; big-endian output registers 0x3B-0x48 with a constant 25 degC
temperature; register auto-increment on reads and writes, except at FIFO_R_W,
where successive reads pop successive FIFO bytes; the 1024-byte FIFO with
FIFO_EN selecting what a packet holds, USER_CTRL FIFO_EN and FIFO_RESET, the
behaviour when full (MPU-6050: the oldest bytes are overwritten; MPU-6886:
CONFIG FIFO_MODE chooses overwrite or stop), FIFO_COUNTH/L (reading COUNTH
latches both), INT_STATUS FIFO_OFLOW and DATA_RDY (cleared by reading INT_STATUS,
set only when enabled in INT_ENABLE), reading an empty FIFO (returns the last
byte read).

Not modelled: the filters' responses (samples are the source's values at the
sample time), start-up and reset times, self-test, offsets and noise,
PWR_MGMT_1 CYCLE and PWR_MGMT_2 standby bits, the MPU-6886's low-power and
wake-on-motion modes, the MPU-6050's auxiliary I2C master and its FIFO slots,
the INT pin, writes to the FIFO, FIFO watermarks.

The chip samples a motion source in its own frame (m/s^2 with gravity, rad/s)
on the board's clock and quantises to int16 counts with saturation. Counts are
produced in chunks ahead of time (see ``_update``), so that the read path
(bus reads, popping the FIFO) allocates nothing.
"""

import array

from vchip import DEG_PER_RAD, NO_CHUNK, STANDARD_GRAVITY, sat16

_SMPLRT_DIV = 0x19
_CONFIG = 0x1A
_GYRO_CONFIG = 0x1B
_ACCEL_CONFIG = 0x1C
_ACCEL_CONFIG2 = 0x1D
_FIFO_EN = 0x23
_INT_PIN_CFG = 0x37
_INT_ENABLE = 0x38
_INT_STATUS = 0x3A
_ACCEL_XOUT_H = 0x3B  # ACCEL 0x3B-0x40, TEMP 0x41-0x42, GYRO 0x43-0x48
_TEMP_OUT_H = 0x41
_GYRO_XOUT_H = 0x43
_USER_CTRL = 0x6A
_PWR_MGMT_1 = 0x6B
_PWR_MGMT_2 = 0x6C
_FIFO_COUNTH = 0x72
_FIFO_COUNTL = 0x73
_FIFO_R_W = 0x74
_WHO_AM_I = 0x75

_FIFO_OFLOW = 0x10  # INT_ENABLE / INT_STATUS bit 4
_DATA_RDY = 0x01  # INT_ENABLE / INT_STATUS bit 0

# AFS_SEL -> LSB/g; FS_SEL -> 0.1 LSB per deg/s (6050 PS sections 6.1, 6.2;
# 6886 DS sections 3.1, 3.2: the same figures).
_ACCEL_LSB_PER_G = (16384, 8192, 4096, 2048)
_GYRO_DLSB_PER_DPS = (1310, 655, 328, 164)


FIFO_BYTES = 1024  # 6050 PS section 7.17; 6886 DS: 1 kB as well
_CHUNK = 256  # samples synthesised at a time
# Samples _update() keeps ready beyond the last one produced, so that the few
# that fall due during one driver read() are emitted without synthesising.
_AHEAD = 16



class _MPUModel:
    WHO_AM_I_VALUE = 0
    PWR_MGMT_1_RESET = 0x40
    TEMP_COUNTS = 0  # TEMP_OUT at 25 degC
    # Registers that set the sample timing or scaling: a change restarts sampling.
    SAMPLING_REGS = (_SMPLRT_DIV, _CONFIG, _GYRO_CONFIG, _ACCEL_CONFIG)
    # Other registers that hold what is written (the rest ignore writes).
    PLAIN_REGS = (_FIFO_EN, _INT_PIN_CFG, _INT_ENABLE, _PWR_MGMT_2)

    def __init__(self, clock, source):
        """``source.sample(t_s, out)`` fills ``out[0:6]`` with ax ay az (m/s^2) gx gy gz (rad/s)."""
        self.clock = clock
        self.source = source
        self._fifo = bytearray(FIFO_BYTES)
        # Per sample, the seven output words in register order: ax ay az t gx gy gz.
        self._counts = array.array("h", bytes(2 * 7 * _CHUNK))
        self._phys = [0.0] * 6
        self.shaker = None  # vshaker.Shaker: the motor's vibration, added as produced
        self.clock_ppm = 0  # the chip's oscillator error, parts per million
        self.reset()

    # -- state ---------------------------------------------------------------

    def reset(self):
        """Power-on / DEVICE_RESET state (6050 RM section 3: every register 0
        except PWR_MGMT_1 and WHO_AM_I; 6886 DS likewise)."""
        self.regs = bytearray(128)
        self.regs[_WHO_AM_I] = self.WHO_AM_I_VALUE
        self.regs[_PWR_MGMT_1] = self.PWR_MGMT_1_RESET
        self._head = 0  # FIFO index of the oldest byte
        self._count = 0
        self._count_latch = 0
        self._last_byte = 0
        self._int_status = 0
        self.bytes_dropped = 0
        self._restart_sampling()

    def _restart_sampling(self):
        """Start the sample clock afresh from now with the current registers.

        The timing is kept in plain attributes so that the read path does
        not recompute it (that would build tuples: allocation).
        """
        regs = self.regs
        pm = regs[_PWR_MGMT_1]
        if pm & 0x40 or pm & 0x07 == 0x07:  # SLEEP, or CLKSEL = 7: clock stopped
            self._base_mhz = 0
        else:
            base, self._div1 = self._timing()
            # The internal oscillator runs off nominal by clock_ppm (the base
            # rate is kept in millihertz so that the error is not rounded away).
            self._base_mhz = base * (1000000 + self.clock_ppm) // 1000
        self._start_us = self.clock.now_us()
        self._produced = 0  # samples produced since _start_us
        self._chunk_first = NO_CHUNK

    def _timing(self):
        """(internal rate in Hz, divider) from SMPLRT_DIV and DLPF_CFG."""
        raise NotImplementedError

    def _stop_when_full(self):
        return False

    def _packet_size(self):
        raise NotImplementedError

    def _push_packet(self):
        raise NotImplementedError

    def _fifo_reset_allowed(self, user_ctrl):
        return True

    # -- sampling --------------------------------------------------------------

    def _synthesise(self, first):
        """Quantise samples first .. first+_CHUNK-1 at the current rate and ranges.

        Sample k is taken at the end of its period, when it is produced:
        ``_start_us`` + (k + 1) periods.
        """
        regs = self.regs
        a_scale = _ACCEL_LSB_PER_G[(regs[_ACCEL_CONFIG] >> 3) & 3] / STANDARD_GRAVITY
        g_scale = DEG_PER_RAD * _GYRO_DLSB_PER_DPS[(regs[_GYRO_CONFIG] >> 3) & 3] / 10.0
        period_s = self._div1 * 1000 / self._base_mhz
        t0_s = self._start_us / 1e6
        phys = self._phys
        counts = self._counts
        temp = self.TEMP_COUNTS
        for i in range(_CHUNK):
            self.source.sample(t0_s + (first + i + 1) * period_s, phys)
            o = 7 * i
            for j in range(3):
                counts[o + j] = sat16(int(round(phys[j] * a_scale)))
                counts[o + 4 + j] = sat16(int(round(phys[3 + j] * g_scale)))
            counts[o + 3] = temp
        self._chunk_first = first

    def _update(self):
        """The production step: every sample due by now, then the next ones made ready.

        Tests call this with the heap unlocked before a driver read() under
        micropython.heap_lock(): the chip is not the MCU, it may allocate.
        """
        self._produce()
        if self._base_mhz:
            k = self._produced
            if not (self._chunk_first <= k and k + _AHEAD <= self._chunk_first + _CHUNK):
                self._synthesise(k)

    def _produce(self):
        """Produce every sample due by now into the output registers and FIFO."""
        base = self._base_mhz
        if not base:
            return
        due = (self.clock.now_us() - self._start_us) * base // (1000000000 * self._div1)
        k = self._produced
        if k >= due:
            return
        psize = self._packet_size() if self.regs[_USER_CTRL] & 0x40 else 0
        while k < due:
            # Samples that cannot change what ends up in the FIFO are skipped
            # in bulk (a board left unread for minutes would be slow otherwise).
            left = due - k
            if not psize:
                skip = left - 1  # only the last one shows, in the output registers
            elif self._stop_when_full():
                skip = left - 1 if self._count == FIFO_BYTES else 0
            else:
                skip = left - (FIFO_BYTES // psize + 2)  # overwritten in any case
            if skip > 0:
                if psize:
                    self.bytes_dropped += skip * psize
                    self._overflowed()
                k += skip
                continue
            self._emit(k, psize)
            k += 1
        self._produced = k

    def _emit(self, k, psize):
        if not (self._chunk_first <= k < self._chunk_first + _CHUNK):
            self._synthesise(k)
        i = 7 * (k - self._chunk_first)
        counts = self._counts
        regs = self.regs
        if self.shaker is not None:
            mg = self.shaker.next(1000000000 * self._div1 // self._base_mhz)
            if mg[0] or mg[1] or mg[2]:
                lsb_per_g = _ACCEL_LSB_PER_G[(regs[_ACCEL_CONFIG] >> 3) & 3]
                for j in range(3):
                    counts[i + j] = sat16(counts[i + j] + mg[j] * lsb_per_g // 1000)
        for j in range(7):
            v = counts[i + j]
            # High byte first (6050 RM 4.17-4.19; 6886 DS *_OUT_H/L).
            regs[_ACCEL_XOUT_H + 2 * j] = (v >> 8) & 0xFF
            regs[_ACCEL_XOUT_H + 2 * j + 1] = v & 0xFF
        if regs[_INT_ENABLE] & _DATA_RDY:
            self._int_status |= _DATA_RDY
        if psize:
            self._push_packet()

    def _overflowed(self):
        if self.regs[_INT_ENABLE] & _FIFO_OFLOW:
            self._int_status |= _FIFO_OFLOW

    def _push(self, reg, n):
        """Append output registers reg .. reg+n-1 to the FIFO, byte by byte."""
        fifo = self._fifo
        regs = self.regs
        for j in range(n):
            if self._count == FIFO_BYTES:
                self.bytes_dropped += 1
                self._overflowed()
                if self._stop_when_full():
                    continue
                self._head = (self._head + 1) % FIFO_BYTES
                self._count -= 1
            fifo[(self._head + self._count) % FIFO_BYTES] = regs[reg + j]
            self._count += 1

    def _pop(self):
        if self._count == 0:
            return self._last_byte  # 6050 RM 4.31: the last byte read, until new data
        b = self._fifo[self._head]
        self._head = (self._head + 1) % FIFO_BYTES
        self._count -= 1
        self._last_byte = b
        return b

    # -- bus interface ---------------------------------------------------------

    def _read_reg(self, reg):
        if reg == _FIFO_R_W:
            return self._pop()
        if reg == _FIFO_COUNTH:
            # Reading COUNTH latches both count registers (6050 RM 4.30;
            # 6886 DS FIFO_COUNTH).
            self._count_latch = self._count
            return (self._count_latch >> 8) & 0xFF
        if reg == _FIFO_COUNTL:
            return self._count_latch & 0xFF
        if reg == _INT_STATUS:
            value = self._int_status
            self._int_status = 0  # cleared by reading (6050 RM 4.16)
            return value
        return self.regs[reg]

    def read_into(self, reg, buf):
        self._produce()
        for n in range(len(buf)):
            buf[n] = self._read_reg(reg)
            if reg != _FIFO_R_W:
                reg = (reg + 1) & 0x7F

    def write(self, reg, buf):
        self._produce()
        for n in range(len(buf)):
            self._write_reg(reg, buf[n])
            if reg != _FIFO_R_W:
                reg = (reg + 1) & 0x7F

    def _write_reg(self, reg, value):
        regs = self.regs
        if reg == _PWR_MGMT_1:
            if value & 0x80:
                self.reset()  # DEVICE_RESET: defaults, clears itself
                return
            old = regs[reg]
            regs[reg] = value
            if old != value:
                self._restart_sampling()
            return
        if reg in self.SAMPLING_REGS:
            old = regs[reg]
            regs[reg] = value
            if old != value:
                self._restart_sampling()
            return
        if reg == _USER_CTRL:
            if value & 0x04 and self._fifo_reset_allowed(value):
                self._head = 0
                self._count = 0
            regs[reg] = value & 0xF8  # the reset bits [2:0] clear themselves
            return
        if reg in self.PLAIN_REGS:
            regs[reg] = value
        # Writes to read-only or unmodelled registers are ignored.


class MPU6050Model(_MPUModel):
    WHO_AM_I_VALUE = 0x68  # 6050 RM 4.32
    PWR_MGMT_1_RESET = 0x40  # 6050 RM section 3: register 107 resets to 0x40 (SLEEP)
    # TEMP_OUT / 340 + 36.53 degC (6050 RM 4.18): 25 degC is -3920 counts.
    TEMP_COUNTS = -3920

    def _timing(self):
        # 6050 RM 4.2: gyroscope output rate 8 kHz with DLPF_CFG 0 or 7, 1 kHz
        # otherwise; the sample rate divides it.
        dlpf = self.regs[_CONFIG] & 0x07
        return (1000 if 1 <= dlpf <= 6 else 8000), 1 + self.regs[_SMPLRT_DIV]

    def _fifo_reset_allowed(self, user_ctrl):
        # 6050 RM 4.27: FIFO_RESET "resets the FIFO buffer when set to 1 while
        # FIFO_EN equals 0" (read here as: FIFO_EN written 0 with it).
        return not user_ctrl & 0x40

    def _packet_size(self):
        en = self.regs[_FIFO_EN]
        words = ((en >> 7) & 1) + ((en >> 6) & 1) + ((en >> 5) & 1) + ((en >> 4) & 1)
        return (6 if en & 0x08 else 0) + 2 * words  # temperature and gyro axes: 2 bytes each

    def _push_packet(self):
        # FIFO_EN (6050 RM 4.6): TEMP [7], XG [6], YG [5], ZG [4], ACCEL [3];
        # written in register order (6050 RM 4.31). Slave FIFOs not modelled.
        en = self.regs[_FIFO_EN]
        if en & 0x08:
            self._push(_ACCEL_XOUT_H, 6)
        if en & 0x80:
            self._push(_TEMP_OUT_H, 2)
        if en & 0x40:
            self._push(_GYRO_XOUT_H, 2)
        if en & 0x20:
            self._push(_GYRO_XOUT_H + 2, 2)
        if en & 0x10:
            self._push(_GYRO_XOUT_H + 4, 2)


class MPU6886Model(_MPUModel):
    WHO_AM_I_VALUE = 0x19  # 6886 DS WHO_AM_I
    PWR_MGMT_1_RESET = 0x41  # 6886 DS: SLEEP with CLKSEL = 1
    # 6886 DS TEMP_OUT: TEMP_OUT / 326.8 + 25 degC.
    TEMP_COUNTS = 0
    SAMPLING_REGS = (_SMPLRT_DIV, _CONFIG, _GYRO_CONFIG, _ACCEL_CONFIG, _ACCEL_CONFIG2)

    def _timing(self):
        # 6886 DS GYRO_CONFIG/CONFIG tables: FCHOICE_B != 00 runs at 32 kHz;
        # DLPF_CFG 0 or 7 at 8 kHz; 1..6 at 1 kHz, and only then does
        # SMPLRT_DIV divide (6886 DS SMPLRT_DIV).
        regs = self.regs
        dlpf = regs[_CONFIG] & 0x07
        if regs[_GYRO_CONFIG] & 0x03:
            return 32000, 1
        if 1 <= dlpf <= 6:
            return 1000, 1 + regs[_SMPLRT_DIV]
        return 8000, 1

    def _stop_when_full(self):
        # CONFIG FIFO_MODE [6]: 1 = further writes are not written when full,
        # 0 = they replace the oldest data (6886 DS CONFIG).
        return bool(self.regs[_CONFIG] & 0x40)

    def _packet_size(self):
        # FIFO_EN (6886 DS): GYRO_FIFO_EN [4], ACCEL_FIFO_EN [3]; the
        # temperature goes with either. Accel + temp + gyro = 14 bytes.
        en = self.regs[_FIFO_EN]
        n = (6 if en & 0x08 else 0) + (6 if en & 0x10 else 0)
        return n + 2 if n else 0

    def _push_packet(self):
        en = self.regs[_FIFO_EN]
        if en & 0x08:
            self._push(_ACCEL_XOUT_H, 6)
        if en & 0x18:
            self._push(_TEMP_OUT_H, 2)
        if en & 0x10:
            self._push(_GYRO_XOUT_H, 6)
