"""Bluetooth LE on the host: the link to the wearable, and a radio-free test stack."""
