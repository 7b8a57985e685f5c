"""Battery level from the board's voltage divider: volts, then a Li-ion percentage."""

FULL_V = 4.2  # a single Li-ion/LiPo cell, charged
EMPTY_V = 3.3  # where the board's regulator stops holding 3.3 V


def percent_from_volts(volts):
    """Linear between EMPTY_V and FULL_V: coarse, but honest about what a divider tells."""
    if volts <= EMPTY_V:
        return 0
    if volts >= FULL_V:
        return 100
    return int(round(100 * (volts - EMPTY_V) / (FULL_V - EMPTY_V)))


class Battery:
    def __init__(self, adc, divider_ratio, adc_full_scale_v=3.3):
        """``adc``: a machine.ADC on the divider's tap; the cell is ``divider_ratio`` x it."""
        self.adc = adc
        self.volts_per_count = adc_full_scale_v * divider_ratio / 65535

    def volts(self):
        return self.adc.read_u16() * self.volts_per_count

    def percent(self):
        return percent_from_volts(self.volts())
