"""Devices: the home's model, and one MQTT encoder/decoder per protocol."""
