"""``assistant devices``: the home as the assistant understands it."""

from __future__ import annotations

import argparse
from typing import Any

from ..devices.protocols import PROTOCOLS
from ..registry import Registry
from .common import add_config_option, load


def add_parser(subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    parser = subparsers.add_parser("devices", help="list the devices, areas and MQTT topics from the config")
    add_config_option(parser)
    parser.add_argument("--json", action="store_true")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    config = load(args)
    registry = Registry.from_config(config)
    rows: list[dict[str, Any]] = []
    for device in registry.devices:
        protocol = PROTOCOLS[device.protocol]
        rows.append(
            {
                "id": device.id,
                "name": device.name,
                "aliases": list(device.aliases),
                "area": device.area,
                "type": device.type.value,
                "capabilities": sorted(c.value for c in device.capabilities),
                "protocol": device.protocol,
                "state_topics": list(protocol.state_topics(device)),
                "confirm": device.confirm,
            }
        )
    if args.json:
        from ..cli import print_json

        print_json({"site_area": registry.site_area, "areas": [a.id for a in registry.areas], "devices": rows})
        return 0
    print(f"site area: {registry.area_name(registry.site_area) or '-'}")
    for row in rows:
        aliases = f" (also: {', '.join(row['aliases'])})" if row["aliases"] else ""
        caps = f" [{', '.join(row['capabilities'])}]" if row["capabilities"] else ""
        sensitive = " confirm" if row["confirm"] else ""
        area = registry.area_name(row["area"]) or "-"
        print(f"{row['id']:<18} {row['name']}{aliases} — {row['type']}{caps} in {area}, {row['protocol']}{sensitive}")
    return 0
