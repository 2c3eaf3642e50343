"""Rooms and things common in homes: the words a command may use for what this home does not have.

Used where a word must be recognised as *not this home's*: decoys in the speech grammar
(``stt/decoys.py``) and the words fuzzy matching never corrects (``nlu/fuzzy.py``).
"""

from __future__ import annotations

ROOMS = (
    "attic", "basement", "cellar", "loft", "bathroom", "toilet", "laundry", "utility room", "office",
    "study", "library", "nursery", "playroom", "gym", "pantry", "dining room", "guest room",
    "kids room", "garden", "yard", "backyard", "patio", "terrace", "balcony", "porch", "driveway",
    "shed", "greenhouse", "conservatory", "workshop", "upstairs", "downstairs", "landing", "stairs",
    "den", "closet", "sauna", "pool",
)  # fmt: skip
"""Rooms and places of a home."""

THINGS = (
    "tv", "television", "radio", "stereo", "speaker", "music", "oven", "stove", "cooker", "microwave",
    "fridge", "freezer", "dishwasher", "washing machine", "dryer", "tumble dryer", "kettle",
    "toaster", "vacuum", "vacuum cleaner", "robot", "computer", "laptop", "router", "projector",
    "window", "windows", "gate", "skylight", "sprinkler", "sprinklers", "doorbell", "camera",
    "alarm", "boiler", "pump", "air conditioner", "aircon", "humidifier", "dehumidifier",
    "purifier", "heater", "radiator", "fireplace", "car", "fountain", "aquarium", "back door",
    "side door", "garden gate", "shower", "bath", "hot tub", "kettle", "iron",
)  # fmt: skip
"""Household devices and things people ask a voice assistant to switch."""


def all_words() -> frozenset[str]:
    """Every single word of ``ROOMS`` and ``THINGS``."""
    return frozenset(word for phrase in (*ROOMS, *THINGS) for word in phrase.split())
