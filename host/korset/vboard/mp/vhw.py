"""Wiring of the virtual board, filled in by vboot before the firmware starts."""

import vclock

i2c_buses = {}  # bus id -> vi2c.I2CBus
pin_irqs = {}
input_levels = {}  # pin -> level (buttons: 1 released with a pull-up)
adc_u16 = {}  # pin -> ADC reading
unique_id = b"\x00\x00\x00\x00\x00\x00"
ble_address = None  # (host, port) of the host's BLE bridge; None: no radio
ble_stack = "nimble"  # the board's ble.stack: which stack's API bluetooth.py models
ble_faults = None  # {"notify_enotconn": [call numbers]}: see bluetooth.py
pin_log = None  # file: "t_us,pin,kind,value" lines
motor_pin = None  # the PWM pin that drives the vibration motor
shaker = None  # vshaker.Shaker on the IMU: shaken while the motor runs


def log_pin(pin, kind, value):
    if pin_log is not None:
        pin_log.write("%d,%s,%s,%d\n" % (vclock.clock.now_us(), pin, kind, value))


def pwm_changed(pin, duty_u16):
    if shaker is not None and pin == motor_pin:
        shaker.drive = duty_u16 * 1000 // 65535


button_pin = None
button_presses_us = ()  # ((press_us, release_us), ...) on the simulated clock


def input_level(pin, pull):
    if pin == button_pin and button_presses_us:
        now = vclock.clock.now_us()
        for press, release in button_presses_us:
            if press <= now < release:
                return 0  # pressed: the button pulls the pin low
        return 1
    if pin in input_levels:
        return input_levels[pin]
    return 1 if pull == 1 else 0


def adc_read_u16(pin):
    return adc_u16.get(pin, 0)
