"""The board layer: the one firmware module (with main.py) that imports ``machine``.

It turns the board definition into hardware objects and hands them to the
application; nothing here runs at import time.
"""

import machine

from korsetfw import imu as imu_drivers
from korsetfw.battery import Battery
from korsetfw.motor import Motor


class Hardware:
    """The board's parts, as ``build`` makes them. Attributes only, no methods: a method
    would keep this module's code alive after boot has dropped it (``korsetfw.forget``).

    ``unique_id``: the MCU's id (bytes), names the device in sessions; ``ble``:
    ``bluetooth.BLE``, or None on a port without it; ``battery``:
    ``korsetfw.battery.Battery``, or None without a divider; ``i2c``, ``imu`` (None
    while it does not answer, the OSError in ``imu_error``), ``motor``, ``led``,
    ``button``, ``battery_adc``.
    """

    # For the type checker only: MicroPython compiles a bare annotation to nothing.
    unique_id: "bytes"
    ble: "object | None"
    battery: "Battery | None"
    i2c: "machine.I2C"
    imu: "object | None"
    imu_error: "OSError | None"
    motor: "Motor"
    led: "machine.Pin | None"
    button: "machine.Pin | None"
    battery_adc: "machine.ADC | None"


def build(board, settings, clock):
    """Create every part of ``board`` (a validated board dict). An IMU that does not
    answer leaves ``imu`` None and its error in ``imu_error`` (the caller cues it and
    tries again with ``open_imu``): the motor and LED are built first so that the board
    can say what is wrong."""
    m = board["motor"]
    pwm = machine.PWM(machine.Pin(m["pin"], machine.Pin.OUT), freq=m["pwm_freq_hz"], duty_u16=0)
    motor = Motor(pwm, m["drive_pct"], m["kick_pct"], m["kick_ms"], clock)
    led = None
    if board["led"]["pin"] is not None:
        led = machine.Pin(board["led"]["pin"], machine.Pin.OUT, value=0)
    bus = board["i2c"]
    i2c = machine.I2C(bus["id"], scl=machine.Pin(bus["scl_pin"]), sda=machine.Pin(bus["sda_pin"]),
                      freq=bus["freq_hz"])
    imu = None
    imu_error = None
    try:
        imu = open_imu(i2c, board, settings)
    except OSError as e:
        imu_error = e
    button = None
    if board["button"]["pin"] is not None:
        pull = machine.Pin.PULL_UP if board["button"]["active_low"] else machine.Pin.PULL_DOWN
        button = machine.Pin(board["button"]["pin"], machine.Pin.IN, pull)
    adc = None
    battery = None
    if board["battery"]["adc_pin"] is not None:
        adc = machine.ADC(machine.Pin(board["battery"]["adc_pin"]))
        battery = Battery(adc, board["battery"]["divider_ratio"])
    ble = None
    if board["ble"]["stack"] is not None:
        try:
            import bluetooth

            ble = bluetooth.BLE()
        except ImportError:
            ble = None
    hardware = Hardware()
    hardware.unique_id = machine.unique_id()
    hardware.ble = ble
    hardware.battery = battery
    hardware.i2c = i2c
    hardware.imu = imu
    hardware.imu_error = imu_error
    hardware.motor = motor
    hardware.led = led
    hardware.button = button
    hardware.battery_adc = adc
    return hardware


def open_imu(i2c, board, settings):
    """The board's IMU driver, configured; OSError naming chip and address if it does not
    answer as that chip."""
    return imu_drivers.open_imu(i2c, board["imu"], settings.rate_hz, settings.accel_fs_g,
                                settings.gyro_fs_dps)


def wait_for_imu(hardware, board, settings, clock, retry_ms):
    """No IMU at boot: nothing can be monitored. Say so (console, the ``imu`` cue and the
    LED, repeated) and look for it again every few seconds, so a board whose sensor wire
    was loose starts once it is pushed back, without a reset (boot's, before the App:
    here so that its code goes with this module once boot drops it)."""
    from korsetfw.cues import Cues

    cues = Cues(hardware.motor, clock)
    led = hardware.led
    lit = board["led"]["active_high"]
    print("imu: not answering (%s); monitoring cannot start. Check the sensor's wiring."
          % hardware.imu_error)
    next_try = clock.ticks_ms()
    while True:
        now = clock.ticks_ms()
        if clock.ticks_diff(now, next_try) >= 0:
            next_try = clock.ticks_add(now, retry_ms)
            try:
                hardware.imu = open_imu(hardware.i2c, board, settings)
            except OSError as e:
                hardware.imu_error = e
                cues.play("imu")
            else:
                print("imu: found; starting")
                if led is not None:
                    led.value(0 if lit else 1)
                hardware.motor.stop()
                return
        cues.update()
        if led is not None:  # blinks at 1 Hz while the sensor is missing
            led.value((1 if lit else 0) if (now // 500) % 2 else (0 if lit else 1))
        clock.sleep_ms(20)


def watchdog(timeout_s):
    """``machine.WDT`` with this timeout (clamped to what RP2040's can count, 8.3 s), or None
    on a port without one. Once started it cannot be stopped (MicroPython's docs for
    machine.WDT), so it is started only when the ``watchdog_s`` setting asks for it."""
    wdt_class = getattr(machine, "WDT", None)
    if wdt_class is None:
        return None
    return wdt_class(timeout=min(int(timeout_s * 1000), 8388))


def device_id():
    return machine.unique_id()
