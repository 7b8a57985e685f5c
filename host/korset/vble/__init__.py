"""BLE without a radio: the virtual board's peripheral on Bumble, and the link both ends share."""
