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
    # the most commonly asked about first (decoys.py takes the first MAX_THING_DECOYS of these)
    "television", "radio", "speaker", "music", "oven", "fridge", "dishwasher", "washing machine",
    "vacuum cleaner", "heater", "window", "back door", "computer", "kettle", "microwave", "garden gate",
    "air conditioner", "dryer", "sprinklers", "alarm",
    # and the rest
    "tv", "stereo", "stove", "cooker", "freezer", "tumble dryer", "toaster", "vacuum", "robot", "laptop",
    "router", "projector", "windows", "gate", "skylight", "sprinkler", "doorbell", "camera", "boiler",
    "pump", "aircon", "humidifier", "dehumidifier", "purifier", "radiator", "fireplace", "car",
    "fountain", "aquarium", "side door", "shower", "bath", "hot tub", "iron",
)  # fmt: skip
"""Household devices and things people ask a voice assistant to switch."""


def all_words() -> frozenset[str]:
    """Every single word of ``ROOMS`` and ``THINGS``."""
    return frozenset(word for phrase in (*ROOMS, *THINGS) for word in phrase.split())
