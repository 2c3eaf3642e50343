"""Ways people say things that the templates do not cover: paraphrases, indirect requests, other requests.

Written for the generator, independently of any benchmark set. ``{t}`` is the target ("the kitchen
light", "all the lights", "the lights in the hallway"), ``{v}`` the value as spoken ("40 percent",
"blue", "21 degrees"), ``{a}`` an area ("the kitchen").
"""

from __future__ import annotations

PARAPHRASES: dict[str, tuple[str, ...]] = {
    "TurnOn": (
        "{t} on", "{t} on please", "get {t} on", "put {t} on", "I'd like {t} on", "I want {t} on",
        "can you put {t} on", "could you get {t} going", "switch {t} on for me", "fire up {t}",
        "light up {t}", "bring {t} on", "let's have {t} on", "I need {t} on", "can I have {t} on",
        "please turn {t} on", "would you turn on {t}", "enable {t}", "start up {t}", "{t} on now",
        "hit {t}", "could you switch on {t} please", "get {t} running", "make sure {t} is on",
        "power up {t}", "on with {t}", "{t}, on", "kick on {t}", "boot up {t}", "give me {t}",
    ),
    "TurnOff": (
        "{t} off", "{t} off please", "kill {t}", "cut {t}", "shut off {t}", "shut {t} off",
        "get {t} off", "I'd like {t} off", "I want {t} off", "put {t} off", "no more {t}",
        "I'm done with {t}", "disable {t}", "can you switch {t} off", "could you kill {t} please",
        "lights out for {t}", "make sure {t} is off", "power down {t}", "stop {t} please",
        "please turn {t} off", "switch {t} off now", "cut the power to {t}", "{t}, off",
        "turn {t} off already", "shut down {t}", "off with {t}", "we don't need {t} anymore",
    ),
    "Toggle": (
        "flip {t}", "flick {t}", "toggle {t} please", "switch {t} over", "change the state of {t}",
        "flip the switch on {t}", "toggle {t} for me", "invert {t}",
    ),
    "SetBrightness": (
        "{t} at {v}", "put {t} at {v}", "{t} {v}", "make {t} {v}", "I want {t} at {v}",
        "brightness of {t} {v}", "{t} brightness {v}", "dim {t} to {v}", "set {t} to {v} brightness",
        "can you set {t} to {v}", "bring {t} to {v}", "adjust {t} to {v}", "{t} to {v} please",
        "turn {t} to {v}", "I'd like {t} at {v}", "change {t} to {v}", "brighten {t} to {v}",
    ),
    "BrightnessUp": (
        "{t} brighter", "brighter {t} please", "more light from {t}", "turn up {t}", "crank up {t}",
        "boost {t}", "bump up {t}", "raise {t}", "{t} up a bit", "a bit brighter {t}",
        "can you make {t} a little brighter", "{t} is too dim", "increase {t}", "pump up {t}",
        "turn {t} up a notch", "more brightness on {t}",
    ),
    "BrightnessDown": (
        "{t} dimmer", "{t} darker", "dim down {t}", "tone down {t}", "turn down {t}", "lower {t}",
        "{t} down a bit", "less light from {t}", "{t} is too bright", "soften {t}", "reduce {t}",
        "can you make {t} a little darker", "{t} is blinding me", "turn {t} down a notch",
        "bring {t} down", "decrease {t}",
    ),
    "SetColor": (
        "{t} in {v}", "make {t} {v}", "{t} {v} please", "I want {t} {v}", "change {t} to {v}",
        "paint {t} {v}", "turn {t} {v}", "{t} should be {v}", "switch {t} to {v}", "color {t} {v}",
        "colour {t} {v}", "can you make {t} {v}", "set {t} color {v}", "{v} light from {t}",
        "go {v} on {t}", "give me {v} on {t}",
    ),
    "SetColorTemp": (
        "{t} {v} please", "make {t} {v}", "{v} light from {t}", "I want {t} {v}", "switch {t} to {v}",
        "set {t} to a {v} white", "{v} white on {t}", "give {t} a {v} tone", "change {t} to {v}",
        "can you make {t} more {v}", "{t} should be {v}",
    ),
    "Open": (
        "{t} up", "pull up {t}", "roll up {t}", "get {t} open", "open up {t}", "I want {t} open",
        "can you open {t}", "lift {t}", "let {t} up", "draw {t}", "{t} open please", "please open {t}",
        "put {t} up", "retract {t}",
    ),
    "Close": (
        "{t} down", "pull down {t}", "roll down {t}", "get {t} closed", "close up {t}", "I want {t} closed",
        "can you close {t}", "drop {t}", "let {t} down", "draw {t} shut", "{t} closed please", "shut {t}",
        "put {t} down", "please close {t}",
    ),
    "SetPosition": (
        "{t} at {v}", "put {t} at {v}", "{t} {v} open", "open {t} to {v}", "{t} to {v}",
        "move {t} to {v}", "I want {t} at {v}", "can you set {t} to {v}", "bring {t} to {v}",
        "lower {t} to {v}", "raise {t} to {v}", "adjust {t} to {v}",
    ),
    "Lock": (
        "lock up {t}", "secure {t}", "bolt {t}", "{t} locked please", "make sure {t} is locked",
        "I want {t} locked", "can you lock {t}", "get {t} locked", "lock {t} now", "please lock {t}",
    ),
    "Unlock": (
        "open {t} lock", "unbolt {t}", "{t} unlocked please", "I want {t} unlocked", "can you unlock {t}",
        "release {t}", "unlatch {t}", "let me unlock {t}", "please unlock {t}", "get {t} unlocked",
    ),
    "SetTemperature": (
        "{t} at {v}", "put {t} at {v}", "{t} {v}", "I want {t} at {v}", "change {t} to {v}",
        "{t} to {v} please", "can you set {t} to {v}", "bring {t} to {v}", "make {t} {v}",
        "adjust {t} to {v}", "turn {t} to {v}", "I'd like {t} on {v}", "heat to {v} with {t}",
    ),
    "QueryState": (
        "is {t} {v} right now", "did I leave {t} {v}", "check if {t} is {v}", "tell me if {t} is {v}",
        "is {t} still {v}", "can you check whether {t} is {v}", "{t} {v}?", "are you sure {t} is {v}",
        "I wonder if {t} is {v}", "is {t} currently {v}",
    ),
    "QueryTemperature": (
        "what's {t} reading", "what does {t} say", "temperature of {t}", "how warm is {t}",
        "tell me the temperature of {t}", "what temperature is {t} showing", "{t} temperature?",
        "read {t}", "check {t}", "how hot is {t}",
    ),
}
"""Paraphrase patterns per intent; ``{t}`` the target, ``{v}`` the value."""

AREA_TEMPERATURE_QUESTIONS = (
    "is it cold in {a}", "is it warm in {a}", "how cold is it in {a}", "what's the temperature like in {a}",
    "temperature in {a}?", "how many degrees in {a}", "tell me the temperature in {a}", "is {a} warm enough",
    "how chilly is {a}", "is it hot in {a}", "what's it like in {a} temperature-wise",
)

COFFEE_PHRASES = (
    "{drink} please", "I need {a_drink}", "can I get {a_drink}", "I could use {a_drink}", "{a_drink} please",
    "fix me {a_drink}", "one {drink} please", "how about {a_drink}", "pour me {a_drink}", "whip up {a_drink}",
    "could you do {a_drink}", "time for {a_drink}", "{a_drink} would be great", "I'll have {a_drink}",
    "let's have {a_drink}", "make {a_drink} for me",
)
"""MakeCoffee, where ``{drink}`` is the drink with its size and milk ("large latte with oat milk")."""

INDIRECT: tuple[tuple[str, str, str, tuple[str, ...]], ...] = (
    # (intent, device type the area's targets must have, value, patterns with {a})
    ("TurnOn", "light", "", (
        "it's too dark in {a}", "I can't see anything in {a}", "{a} is pitch black", "I need some light in {a}",
        "it's dark in {a}", "some light in {a} please", "I can't see a thing in {a}", "{a} needs light",
        "it's gloomy in {a}", "why is it so dark in {a}",
    )),
    ("TurnOff", "light", "", (
        "nobody is in {a} anymore, lights out", "lights out in {a}", "I'm leaving {a}, kill the lights",
        "no lights needed in {a}", "we're done in {a}, lights off",
    )),
    ("BrightnessDown", "light", "", (
        "it's too bright in {a}", "the light in {a} is too harsh", "{a} is way too bright",
        "the light in {a} hurts my eyes",
    )),
    ("BrightnessUp", "light", "", (
        "it's a bit dim in {a}", "more light in {a}", "{a} could be brighter", "I need more light in {a}",
    )),
    ("SetColorTemp", "light", "warm", (
        "make {a} cosy", "make {a} cozy", "cosy light in {a}", "something cosy for {a}",
        "I want a relaxing light in {a}", "make {a} feel warm and cosy",
    )),
    ("SetColorTemp", "light", "cool", (
        "daylight in {a} please", "I need to focus in {a}, give me cool light", "crisp white light in {a}",
    )),
    ("TurnOn", "fan", "", (
        "it's stuffy in {a}", "I need some air in {a}", "get some air moving in {a}", "it's so hot in {a}",
        "{a} is boiling", "I'm sweating in {a}",
    )),
    ("TurnOff", "fan", "", (
        "it's chilly from the fan in {a}", "too much draft in {a}", "the air in {a} is too cold with that breeze",
    )),
    ("Open", "cover", "", (
        "let some light into {a}", "let the sun into {a}", "I want to see outside in {a}",
        "let daylight into {a}", "brighten up {a} with some daylight",
    )),
    ("Close", "cover", "", (
        "the sun is glaring in {a}", "I need some privacy in {a}", "too much sun in {a}",
        "keep the sun out of {a}", "the neighbours can see into {a}",
    )),
)
"""Indirect requests about an area: what they mean for the devices of one type there."""

PURPOSES: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    # (a word in the device's name, intent, what people say when they want it)
    ("printer", "TurnOn", ("I have to print a letter", "I want to print my tickets", "time to print the homework", "I must print a form", "printing time")),
    ("printer", "TurnOff", ("I'm done printing", "no more printing today", "the printing is finished")),
    ("kettle", "TurnOn", ("I fancy a cup of tea", "time for a brew", "I need hot water for my tea", "let's have some tea")),
    ("kettle", "TurnOff", ("the tea is made", "I don't want tea after all")),
    ("tv", "TurnOn", ("let's watch a film", "I want to watch the match", "time for some telly")),
    ("tv", "TurnOff", ("we're done watching", "no more telly tonight")),
    ("reading", "TurnOn", ("I'd like to read my book", "I'm going to read a bit", "time to read the paper")),
    ("desk", "TurnOn", ("I'm starting work", "time to do my homework", "I have to study")),
    ("desk", "TurnOff", ("I'm finished working for today", "work is over")),
    ("bedside", "TurnOn", ("I want to read in bed", "I'm getting into bed with a book")),
    ("garage", "Open", ("I'm taking the car out", "I have to drive to work", "the bike needs to come out", "I'm off in the car")),
    ("garage", "Close", ("the car is back in", "I've parked the car", "the car is put away")),
    ("front", "Unlock", ("the guests are here, let them in", "the delivery is at the door, let the courier in", "let my friend in")),
    ("back", "Unlock", ("I want to go out into the garden", "let the dog out the back")),
    ("dehumidifier", "TurnOn", ("it's so damp in here", "the walls are wet with condensation")),
    ("humidifier", "TurnOn", ("the air is so dry", "my throat is dry from the air")),
    ("purifier", "TurnOn", ("the air smells stale", "there's pollen everywhere")),
    ("christmas", "TurnOn", ("make it festive", "let's get in the christmas spirit")),
    ("blanket", "TurnOn", ("warm up my bed", "my bed is freezing")),
    ("towel", "TurnOn", ("I'm going to have a shower", "I want warm towels")),
    ("extractor", "TurnOn", ("it smells of cooking", "the steam is everywhere")),
)
"""Wishes that call for one named device; used only where exactly one device has the word."""

NAMED_WISHES: dict[str, tuple[str, ...]] = {
    "TurnOn": ("{t} should be on", "{t} needs power", "I need {t}", "where is {t}, it's off", "{t} has to come on"),
    "TurnOff": ("nobody is using {t}", "{t} is on for no reason", "{t} has been on all day", "{t} is burning electricity", "{t} doesn't need to be on"),
    "BrightnessDown": ("{t} is far too much", "{t} is dazzling me", "{t} hurts my eyes"),
    "BrightnessUp": ("{t} is too weak", "I can barely see with {t}"),
}
"""Wishes about one named device."""

COLD_PHRASES = ("I'm freezing", "it's cold in here", "I'm cold", "it's chilly", "brr it's freezing", "it's too cold", "warm it up", "I'm shivering", "heat the place up")
HOT_PHRASES = ("I'm too hot", "it's boiling in here", "it's too warm", "cool it down a bit", "it's way too hot", "I'm roasting")
WARM_VALUE = 22
COOL_VALUE = 19
"""The setpoint for "I'm cold" / "I'm too hot": one value each. Drawn from several, the same words
had several right answers, and the model learnt to split its confidence between them (and refuse)."""

SECURE_PHRASES = ("secure {t}", "make sure nobody can get in through {t}", "lock up {t} for the night", "I'm going to bed, lock {t}")

OUT_OF_HOME = (
    "what's the weather like tomorrow", "will it rain today", "play some jazz", "play the next song",
    "turn up the volume", "skip this track", "set a timer for ten minutes", "wake me up at seven",
    "remind me to call mum", "what time is it", "what's the date today", "tell me a joke",
    "who won the football last night", "how do you spell necessary", "what's two plus two",
    "translate hello into french", "call my sister", "send a message to john", "order a pizza",
    "what's on my calendar", "add milk to the shopping list", "how tall is mount everest",
    "who is the president", "read me the news", "what's the capital of australia", "thank you",
    "hello there", "good morning", "never mind", "cancel that", "how are you today",
    "what can you do", "sing me a song", "what's the meaning of life", "find my phone",
    "book a table for two", "how long is the drive to work", "what's the stock price of apple",
    "start a workout", "tell me a story", "how many ounces in a pound", "who wrote hamlet",
    "set an alarm for six", "what's the recipe for pancakes", "buy more dog food", "flip a coin",
    "roll a dice", "spell banana", "is the shop open", "what's my name", "are you listening",
    "do the thing", "blah blah", "um", "yes", "no", "maybe later", "the the the", "turn the",
    "switch", "kitchen", "what", "open", "please", "and then", "I don't know", "what is love",
    "how old are you", "where am I", "play a podcast", "pause the music", "shuffle my playlist",
    "what's the traffic like", "when is sunset", "how much is a bitcoin", "order a taxi",
    "turn left at the lights", "I love you", "goodnight", "stop talking", "repeat that",
    "what did you say", "do you like cats", "how do I boil an egg", "schedule a meeting at noon",
    "text dad I'm on my way", "what's the score", "is it going to snow", "check my email",
    "water the plants in the afternoon", "feed the cat", "walk the dog", "take out the bins",
    "clean the kitchen", "make the bed", "do the dishes", "wash the car", "paint the fence",
    "mow the lawn", "fix the leaking tap", "the light bulb is broken", "I bought a new lamp",
    "my neighbour has a red door", "the fan is a good brand", "what colour is the sky",
    "where did I put my keys", "I left the oven on at my mum's", "did I pay the electricity bill",
    "lights camera action", "light as a feather", "open a bank account", "close the deal",
    "lock in the price", "set the table", "turn the page", "switch to english",
    "raise the question", "lower your voice", "heat up my lunch in the microwave",
    "order more light bulbs", "we're out of milk", "how much does a coffee machine cost",
    "who invented the light bulb", "put coffee on the shopping list", "the door needs painting",
    "I should clean the fan", "write down that the lamp is broken", "how do you descale a kettle",
    "tell me when the plumber comes", "what's a good temperature for a bedroom", "buy a new lamp",
    "remind me to lock up later", "make a note to fix the blinds", "how many lumens is a bright light",
    "the coffee was nice", "I'll make my own coffee", "is coffee bad for you", "call the locksmith",
)
"""Requests no home device answers."""

ABSENT_THINGS = (
    "television", "tv", "oven", "washing machine", "microwave", "fridge", "freezer", "car", "window",
    "robot vacuum", "lawn mower", "hot tub", "sauna", "pool pump", "doorbell", "camera", "projector",
    "alarm system", "toilet", "shower", "tumble dryer", "garage heater", "jacuzzi", "electric car charger",
    "boiler", "mailbox", "dishwasher tablet", "smoke alarm", "security camera", "video doorbell",
)
"""Things no synthetic home has, named in commands that must get ``none``."""

ABSENT_ACTIONS = (
    "turn on {x}", "switch off {x}", "open {x}", "close {x}", "start {x}", "stop {x}", "set {x} to 40 percent",
    "turn {x} up", "is {x} on", "lock {x}", "{x} on please", "kill {x}", "dim {x}", "make {x} blue",
    "what's the temperature of {x}", "I'd like {x} on", "get {x} going",
)

UNSUPPORTED: dict[str, tuple[str, ...]] = {
    "SetColor": ("make {t} {color}", "set {t} to {color}", "turn {t} {color}"),
    "SetBrightness": ("dim {t} to 30 percent", "set {t} to 50 percent brightness", "{t} brightness 20"),
    "SetTemperature": ("set {t} to 21 degrees", "{t} to 19 degrees"),
    "Lock": ("lock {t}",),
    "Open": ("open {t}", "roll up {t}"),
    "SetPosition": ("set {t} to 50 percent open",),
    "BrightnessUp": ("make {t} brighter",),
}
"""Commands a device cannot carry out (a fan in blue, a locked lamp): ``none``."""

UNSUPPORTED_UNLESS = {"Open": "Unlock"}
"""Words that mean another action where the device has it: "open the front door lock" unlocks it."""

NAMED_LEVELS: dict[str, dict[int, tuple[str, ...]]] = {
    "brightness": {100: ("full", "maximum", "max", "full power"), 50: ("half",), 25: ("a quarter",), 75: ("three quarters",)},
    "position": {50: ("halfway", "half way", "half"), 25: ("a quarter", "a quarter of the way"), 75: ("three quarters",)},
}
"""Levels people name instead of saying a percentage ("dim the lamp to half", "the blinds halfway")."""

NEAR_MISS_WORDS = (
    "back", "side", "front", "upstairs", "downstairs", "spare", "second", "little", "big", "old", "new",
    "main", "outside", "garden", "attic", "basement", "porch", "guest", "kids", "other", "corner", "hall",
    "study", "office", "pantry", "loft", "cellar", "utility", "top", "bottom",
)
"""Words put in front of a device word to name a device the home lacks ("the back door" in a home with a front door)."""

NEAR_MISS_COMMANDS: dict[str, list[str]] = {
    "TurnOn": ["turn on {t}", "switch on {t}", "turn {t} on"], "TurnOff": ["turn off {t}", "switch off {t}"],
    "Toggle": ["toggle {t}"], "SetBrightness": ["set {t} to {v}", "dim {t} to {v}"],
    "BrightnessUp": ["make {t} brighter"], "BrightnessDown": ["dim {t}", "make {t} darker"],
    "SetColor": ["make {t} {v}", "turn {t} {v}"], "SetColorTemp": ["make {t} {v}"],
    "Open": ["open {t}"], "Close": ["close {t}"], "SetPosition": ["set {t} to {v}"], "Lock": ["lock {t}"],
    "Unlock": ["unlock {t}", "open {t}"], "SetTemperature": ["set {t} to {v}"],
    "QueryState": ["is {t} on", "is {t} open", "is {t} locked"], "QueryTemperature": ["what does {t} say", "what's the temperature on {t}"],
}
"""Plain commands for the near misses (with the value slots filled, ``{v}``)."""

POLITE_PREFIXES = ("", "", "", "", "please ", "hey ", "could you ", "can you ", "would you ", "ok ", "um ", "so ")
NO_PREFIX_BEFORE = ("i ", "i'", "it", "the ", "my ", "is ", "are ", "did ", "what", "how", "tell", "check", "can ", "could ", "would ", "please", "make sure", "we ", "nobody", "some", "more", "too", "why", "let's", "one ", "a ", "an ")
"""Commands starting like this read badly after "could you" or "please"."""
POLITE_SUFFIXES = ("", "", "", "", " please", " thanks", " for me", " now", " right now", " thank you", " quickly")

COLOR_TEMP_WORDS: dict[str, tuple[str, ...]] = {
    "warm": ("warm", "warmer", "cosy", "cozy", "soft"),
    "neutral": ("neutral", "natural"),
    "cool": ("cool", "cold", "daylight", "cooler", "bright white"),
}
MILK_WORDS: dict[str, tuple[str, ...]] = {
    "oat_milk": ("oat milk", "oat"),
    "soy_milk": ("soy milk", "soy"),
    "whole_milk": ("milk", "whole milk", "regular milk"),
    "no_milk": ("no milk", "black"),
}
