"""Register-level model of the ST LSM6DSOX for the virtual board.

Datasheet: ST DS12814 "LSM6DSOX", Rev 3; sections cited inline. Modelled:
WHO_AM_I; CTRL1_XL/CTRL2_G output data rate and full scale with the datasheet
sensitivities (Table 2); CTRL3_C software reset, register auto-increment
(IF_INC); STATUS_REG data-ready flags; the little-endian output registers;
the FIFO in bypass and continuous mode with batch data rates, tagged 7-byte
words with TAG_CNT, the word count, the overrun flags, and the address
roll-back from FIFO_DATA_OUT_Z_H to FIFO_DATA_OUT_TAG that makes a burst read
of many words possible (section 6.5.7). Not modelled: low-power modes,
filters, embedded functions, interrupts pins, compression, timestamps,
temperature.

The chip samples a motion source in its own frame (m/s^2 with gravity, rad/s)
at the configured rate on the board's clock and quantises to int16 counts.
Counts are produced in chunks ahead of time, so that reading the FIFO
allocates nothing.
"""

import array

from vchip import DEG_PER_RAD, NO_CHUNK, STANDARD_GRAVITY, sat16

_WHO_AM_I = 0x0F
_FIFO_CTRL1 = 0x07
_FIFO_CTRL4 = 0x0A
_FIFO_CTRL3 = 0x09
_CTRL1_XL = 0x10
_CTRL2_G = 0x11
_CTRL3_C = 0x12
_STATUS_REG = 0x1E
_OUTX_L_G = 0x22
_OUTX_L_A = 0x28
_FIFO_STATUS1 = 0x3A
_FIFO_STATUS2 = 0x3B
_FIFO_TAG = 0x78
_FIFO_Z_H = 0x7E

# Section 9.15/9.16: 4-bit ODR code -> rate in mHz (12.5 Hz .. 6.66 kHz).
_ODR_MHZ = (0, 12500, 26000, 52000, 104000, 208000, 416000, 833000, 1666000, 3333000,
            6666000)
_ACCEL_UG = {0: 61, 2: 122, 3: 244, 1: 488}  # FS_XL code -> micro-g/LSB
_GYRO_UDPS = {0: 8750, 1: 4375, 2: 17500, 4: 35000, 6: 70000}  # FS bits[3:1] -> udps/LSB


# Words the FIFO holds uncompressed (section 6.5: 3 kbyte of 6-byte data;
# the "9 kbyte" of the front page assumes the compression of section 6.5.8).
FIFO_WORDS = 512
_CHUNK = 256  # samples synthesised at a time



class LSM6DSOXModel:
    WHO_AM_I_VALUE = 0x6C

    def __init__(self, clock, source):
        """``source.sample(t_s, out)`` fills ``out[0:6]`` with ax ay az (m/s^2) gx gy gz (rad/s)."""
        self.clock = clock
        self.source = source
        self._fifo = bytearray(7 * FIFO_WORDS)
        self._xl_counts = array.array("h", bytes(2 * 3 * _CHUNK))
        self._g_counts = array.array("h", bytes(2 * 3 * _CHUNK))
        self._phys = [0.0] * 6
        self.shaker = None  # vshaker.Shaker: the motor's vibration, added as produced
        self.clock_ppm = 0  # the chip's oscillator error, parts per million
        self.reset()

    # -- state ---------------------------------------------------------------

    def reset(self):
        self.regs = bytearray(128)
        self.regs[_WHO_AM_I] = self.WHO_AM_I_VALUE
        self.regs[_CTRL3_C] = 0x04  # IF_INC defaults to 1 (section 9.17)
        self._head = 0  # FIFO index of the oldest word
        self._count = 0
        self._overrun = False
        self._ovr_latched = False
        self._latch = bytearray(7)
        self._latch_pos = 7
        self._start_us = self.clock.now_us()
        self._produced = 0  # samples generated since _start_us
        self._chunk_first = NO_CHUNK
        self._tag_cnt = 0
        self.words_dropped = 0

    def _rate_mhz(self, reg):
        """The output data rate the chip really runs at: nominal, off by its
        oscillator's error (``clock_ppm``; the datasheet allows some per cent)."""
        code = self.regs[reg] >> 4
        if code >= len(_ODR_MHZ):
            return 0
        return _ODR_MHZ[code] * (1000000 + self.clock_ppm) // 1000000

    def _restart_sampling(self):
        self._start_us = self.clock.now_us()
        self._produced = 0
        self._chunk_first = NO_CHUNK

    # -- sampling --------------------------------------------------------------

    def _synthesise(self, first):
        """Quantise samples first .. first+_CHUNK-1 at the current rate and ranges."""
        rate_mhz = self._rate_mhz(_CTRL1_XL) or self._rate_mhz(_CTRL2_G)
        ug = _ACCEL_UG[(self.regs[_CTRL1_XL] >> 2) & 0x3]
        udps = _GYRO_UDPS.get((self.regs[_CTRL2_G] >> 1) & 0x7, 8750)
        a_scale = 1e6 / STANDARD_GRAVITY / ug
        g_scale = 1e6 * DEG_PER_RAD / udps
        phys = self._phys
        for i in range(_CHUNK):
            k = first + i
            t_s = self._start_us / 1e6 + k * 1000.0 / rate_mhz
            self.source.sample(t_s, phys)
            for j in range(3):
                self._xl_counts[3 * i + j] = sat16(int(round(phys[j] * a_scale)))
                self._g_counts[3 * i + j] = sat16(int(round(phys[3 + j] * g_scale)))
        self._chunk_first = first

    def _update(self):
        """Produce every sample due by now into the output registers and FIFO."""
        rate_mhz = self._rate_mhz(_CTRL1_XL) or self._rate_mhz(_CTRL2_G)
        if not rate_mhz:
            return
        due = (self.clock.now_us() - self._start_us) * rate_mhz // 1000000000
        if due - self._produced > FIFO_WORDS:
            # Everything older was overwritten anyway.
            skipped = due - self._produced - FIFO_WORDS
            self.words_dropped += 2 * skipped
            self._produced += skipped
            if self._fifo_on():
                self._overrun = True
                self._ovr_latched = True
        while self._produced < due:
            k = self._produced
            if not self._chunk_first <= k < self._chunk_first + _CHUNK:
                self._synthesise(k)
            i = 3 * (k - self._chunk_first)
            self._emit(i)
            self._produced = k + 1

    def _fifo_on(self):
        return (self.regs[_FIFO_CTRL4] & 0x07) == 0x06

    def _emit(self, i):
        regs = self.regs
        rate_mhz = self._rate_mhz(_CTRL1_XL)
        xl_on = rate_mhz > 0
        g_on = self._rate_mhz(_CTRL2_G) > 0
        if self.shaker is not None and xl_on:
            mg = self.shaker.next(1000000000 // rate_mhz)
            if mg[0] or mg[1] or mg[2]:
                ug = _ACCEL_UG[(regs[_CTRL1_XL] >> 2) & 0x3]
                xl = self._xl_counts
                for j in range(3):
                    xl[i + j] = sat16(xl[i + j] + mg[j] * 1000 // ug)
        for j in range(3):
            if g_on:
                v = self._g_counts[i + j]
                regs[_OUTX_L_G + 2 * j] = v & 0xFF
                regs[_OUTX_L_G + 2 * j + 1] = (v >> 8) & 0xFF
            if xl_on:
                v = self._xl_counts[i + j]
                regs[_OUTX_L_A + 2 * j] = v & 0xFF
                regs[_OUTX_L_A + 2 * j + 1] = (v >> 8) & 0xFF
        regs[_STATUS_REG] |= (0x01 if xl_on else 0) | (0x02 if g_on else 0)
        if not self._fifo_on():
            return
        # Batch data rate: both sensors batched at the output rate in this
        # model; a BDR of 0 means "not batched" (section 9.8).
        self._tag_cnt = (self._tag_cnt + 1) & 0x03
        if g_on and self.regs[_FIFO_CTRL3] >> 4:
            self._push(0x01, self._g_counts, i)
        if xl_on and self.regs[_FIFO_CTRL3] & 0x0F:
            self._push(0x02, self._xl_counts, i)

    def _push(self, sensor, counts, i):
        if self._count == FIFO_WORDS:
            # Continuous mode: the newest word overwrites the oldest (6.5.4).
            self._head = (self._head + 1) % FIFO_WORDS
            self._count -= 1
            self._overrun = True
            self._ovr_latched = True
            self.words_dropped += 1
        pos = 7 * ((self._head + self._count) % FIFO_WORDS)
        tag = (sensor << 3) | (self._tag_cnt << 1)
        parity = 0
        t = tag
        while t:
            parity ^= t & 1
            t >>= 1
        fifo = self._fifo
        fifo[pos] = tag | parity
        for j in range(3):
            v = counts[i + j]
            fifo[pos + 1 + 2 * j] = v & 0xFF
            fifo[pos + 2 + 2 * j] = (v >> 8) & 0xFF
        self._count += 1

    def _pop_into_latch(self):
        latch = self._latch
        if self._count == 0:
            for j in range(7):
                latch[j] = 0
        else:
            pos = 7 * self._head
            fifo = self._fifo
            for j in range(7):
                latch[j] = fifo[pos + j]
            self._head = (self._head + 1) % FIFO_WORDS
            self._count -= 1
            if self._count < FIFO_WORDS:
                self._overrun = False

    # -- bus interface ---------------------------------------------------------

    def _read_reg(self, reg):
        if reg == _FIFO_STATUS1:
            return self._count & 0xFF
        if reg == _FIFO_STATUS2:
            value = (self._count >> 8) & 0x03
            if self._overrun:
                value |= 0x40
            if self._count >= FIFO_WORDS:
                value |= 0x20
            if self._ovr_latched:
                value |= 0x08
                self._ovr_latched = False  # cleared by reading (section 9.40)
            return value
        if reg == _FIFO_TAG:
            self._pop_into_latch()
            return self._latch[0]
        if _FIFO_TAG < reg <= _FIFO_Z_H:
            return self._latch[reg - _FIFO_TAG]
        if reg == _STATUS_REG:
            value = self.regs[reg]
            return value
        if _OUTX_L_G <= reg < _OUTX_L_A + 6:
            # Reading output data clears its data-ready flag.
            self.regs[_STATUS_REG] &= ~(0x02 if reg < _OUTX_L_A else 0x01)
        return self.regs[reg] if reg < 128 else 0

    def read_into(self, reg, buf):
        self._update()
        inc = self.regs[_CTRL3_C] & 0x04
        for n in range(len(buf)):
            buf[n] = self._read_reg(reg)
            if inc:
                reg = _FIFO_TAG if reg == _FIFO_Z_H else reg + 1

    def write(self, reg, buf):
        self._update()
        inc = self.regs[_CTRL3_C] & 0x04
        for n in range(len(buf)):
            self._write_reg(reg, buf[n])
            if inc:
                reg += 1

    def _write_reg(self, reg, value):
        if reg == _CTRL3_C and value & 0x01:
            self.reset()  # SW_RESET: registers to defaults, FIFO emptied; self-clearing
            return
        if reg in (_CTRL1_XL, _CTRL2_G):
            old = self.regs[reg]
            self.regs[reg] = value
            if old != value:
                self._restart_sampling()
            return
        if reg == _FIFO_CTRL4:
            self.regs[reg] = value
            if value & 0x07 == 0:
                self._head = 0  # bypass mode empties the FIFO (section 6.5.1)
                self._count = 0
                self._overrun = False
            return
        if reg in (_CTRL3_C, _FIFO_CTRL1, 0x08, _FIFO_CTRL3):
            self.regs[reg] = value
        # Writes to read-only or unmodelled registers are ignored.
