"""What every subcommand shares: the --config option, loading the home, connecting to the broker."""

from __future__ import annotations

import argparse
import logging

from ..config import Config, load_config
from ..errors import AssistantError
from ..mqtt import MqttLink

_LOGGER = logging.getLogger(__name__)


def add_config_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--config",
        metavar="PATH",
        help="config file (default: $ASSISTANT_CONFIG, else config/assistant.yaml, else /etc/assistant/config.yaml)",
    )


def load(args: argparse.Namespace) -> Config:
    from .. import settings_sections  # noqa: F401 - registers every stage's settings parser

    return load_config(args.config)


class BrokerUnavailable(AssistantError):
    code = "broker"


def connect(config: Config, *, wait: float = 5.0, client_name: str = "assistant") -> MqttLink:
    """Connect to the configured broker; commands get "I can't reach the MQTT broker" if it stays away."""
    link = MqttLink(config.mqtt, client_name=client_name)
    link.start()
    if not link.wait_connected(wait):
        _LOGGER.warning("no MQTT broker at %s:%s yet; still trying", config.mqtt.host, config.mqtt.port)
    return link
