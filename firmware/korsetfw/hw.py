"""The board layer: the one firmware module (with main.py) that imports ``machine``.

It turns the board definition into hardware objects and hands them to the
application; nothing here runs at import time.
"""

import machine

from korsetfw import imu as imu_drivers
from korsetfw.battery import Battery
from korsetfw.motor import Motor


class Hardware:
    def __init__(self, i2c, imu, motor, led, button, battery_adc, unique_id=b"", ble=None,
                 battery=None):
        self.unique_id = unique_id  # the MCU's id (bytes): names the device in sessions
        self.ble = ble  # bluetooth.BLE, or None on a port without it
        self.battery = battery  # korsetfw.battery.Battery, or None without a divider
        self.i2c = i2c
        self.imu = imu
        self.motor = motor
        self.led = led
        self.button = button
        self.battery_adc = battery_adc


def build(board, settings, clock):
    """Create every part of ``board`` (a validated board dict)."""
    bus = board["i2c"]
    i2c = machine.I2C(bus["id"], scl=machine.Pin(bus["scl_pin"]), sda=machine.Pin(bus["sda_pin"]),
                      freq=bus["freq_hz"])
    imu = imu_drivers.open_imu(i2c, board["imu"], settings.rate_hz, settings.accel_fs_g,
                               settings.gyro_fs_dps)
    m = board["motor"]
    pwm = machine.PWM(machine.Pin(m["pin"], machine.Pin.OUT), freq=m["pwm_freq_hz"], duty_u16=0)
    motor = Motor(pwm, m["drive_pct"], m["kick_pct"], m["kick_ms"], clock)
    led = None
    if board["led"]["pin"] is not None:
        led = machine.Pin(board["led"]["pin"], machine.Pin.OUT, value=0)
    button = None
    if board["button"]["pin"] is not None:
        pull = machine.Pin.PULL_UP if board["button"]["active_low"] else machine.Pin.PULL_DOWN
        button = machine.Pin(board["button"]["pin"], machine.Pin.IN, pull)
    adc = None
    battery = None
    if board["battery"]["adc_pin"] is not None:
        adc = machine.ADC(machine.Pin(board["battery"]["adc_pin"]))
        battery = Battery(adc, board["battery"]["divider_ratio"])
    try:
        import bluetooth

        ble = bluetooth.BLE()
    except ImportError:
        ble = None
    return Hardware(i2c, imu, motor, led, button, adc, machine.unique_id(), ble, battery)


def device_id():
    return machine.unique_id()
