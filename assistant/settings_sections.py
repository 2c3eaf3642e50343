"""Imports every stage's settings module so its @section_parser runs in load_config.

Each import registers the parser of one config section; check-config then validates them all.
"""

from __future__ import annotations

from . import dialogue_settings  # noqa: F401
from .audio import settings as _audio  # noqa: F401  (audio, wake, vad)
from .daemon import settings as _daemon  # noqa: F401
from .nlu import fuzzy as _fuzzy  # noqa: F401  (intents.fuzzy)
from .nlu.llm import settings as _llm  # noqa: F401  (llm)
from .stt import settings as _stt  # noqa: F401  (stt)
from .tts import settings as _tts  # noqa: F401  (tts)
