"""An offline voice assistant for the smart home: hear, understand, switch over MQTT, answer."""

__version__ = "0.1.0"
