"""The alarm state machine of one monitoring point: pure, no Django, no clock, no I/O.

DOMAIN.md "Park monitoring and alarms", after ISA-18.2 / EEMUA 191:

- A point has two alarm slots. The *process* slot watches the value against LL < L < H < HH;
  the *diagnostic* slot says the instrument cannot be trusted (`fault`: bad quality or a value
  outside the instrument's range; `offline`: no reading for 3 × interval). A broken sensor is
  not a leak, but a leak may break a sensor: a fault never clears a process alarm.
- On-delay: a condition must hold for `delay_s` (measured in reading time, not wall time)
  before it raises, escalates or clears anything. A reading that breaks the condition restarts
  the wait. With `delay_s` 0 the first reading decides.
- Deadband: once in alarm, the value must come back inside the limit by `deadband` to count as
  normal again; readings between the limit and limit ∓ deadband hold the alarm.
- A worse limit in the same direction escalates the same alarm (H → HH); a better one does not
  lower it (the alarm keeps its peak level until it clears). Crossing to the other direction
  (a high alarm, then a low value) clears the one and raises the other.
- Readings older than the newest one already evaluated are ignored (they are stored, but the
  machine moves forward only in time), so a replay of the same readings gives the same alarms.

`step` and `tick` return the new state and the transitions; the caller (monitoring.services)
persists both. States are immutable and JSON-friendly (`as_dict` / `State.from_dict`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, replace

NORMAL = "normal"
HIGH_LEVELS = ("h", "hh")
LOW_LEVELS = ("l", "ll")
FAULT = "fault"
OFFLINE = "offline"
PROCESS = "process"
DIAGNOSTIC = "diagnostic"
OFFLINE_AFTER_INTERVALS = 3

# How bad each level is within its direction; used to decide escalation and the peak.
_RANK = {NORMAL: 0, "h": 1, "hh": 2, "l": 1, "ll": 2}


@dataclass(frozen=True)
class Config:
    """A point's limits as the engine needs them. Unused limits are None."""

    range_min: float | None = None
    range_max: float | None = None
    ll: float | None = None
    l: float | None = None  # noqa: E741 - the standard's name for the low limit
    h: float | None = None
    hh: float | None = None
    deadband: float = 0.0
    delay_s: float = 0.0
    interval_s: float = 10.0


@dataclass(frozen=True)
class Slot:
    """One alarm slot: the level in force (None = no alarm) and a pending candidate."""

    level: str | None = None
    candidate: str | None = None  # the level waiting out the on-delay; NORMAL = waiting to clear
    since: float | None = None  # reading time the candidate was first seen


@dataclass(frozen=True)
class State:
    process: Slot = field(default_factory=Slot)
    diagnostic: Slot = field(default_factory=Slot)
    last_ts: float | None = None  # newest reading time evaluated (epoch seconds)
    last_value: float | None = None

    @property
    def point_state(self) -> str:
        """What the API calls a point's `state`: the diagnostic slot first, since a value
        from a faulty sensor means nothing, then the process alarm, else normal."""
        return self.diagnostic.level or self.process.level or NORMAL

    def as_dict(self) -> dict:
        return {"p": [self.process.level, self.process.candidate, self.process.since],
                "d": [self.diagnostic.level, self.diagnostic.candidate, self.diagnostic.since],
                "ts": self.last_ts, "v": self.last_value}

    @classmethod
    def from_dict(cls, data: dict | None) -> State:
        if not data:
            return cls()
        return cls(process=Slot(*data.get("p", (None, None, None))),
                   diagnostic=Slot(*data.get("d", (None, None, None))),
                   last_ts=data.get("ts"), last_value=data.get("v"))


@dataclass(frozen=True)
class Transition:
    """`raise` a new alarm, `escalate` it to a worse level, or `clear` it."""

    action: str  # "raise" | "escalate" | "clear"
    slot: str  # PROCESS | DIAGNOSTIC
    level: str  # the alarm's level after the transition (the cleared level for "clear")
    ts: float
    value: float | None


def classify(config: Config, value: float, current: str | None) -> str:
    """The process level a good, in-range value stands at, with the deadband of the level in
    force applied so that a value just back inside a limit still holds the alarm."""
    db = config.deadband or 0.0
    if config.hh is not None and value >= config.hh - (db if current == "hh" else 0):
        return "hh"
    if config.h is not None and value >= config.h - (db if current in HIGH_LEVELS else 0):
        return "h"
    if config.ll is not None and value <= config.ll + (db if current == "ll" else 0):
        return "ll"
    if config.l is not None and value <= config.l + (db if current in LOW_LEVELS else 0):
        return "l"
    return NORMAL


def is_fault(config: Config, value: float, quality: str = "good") -> bool:
    if quality != "good" or not math.isfinite(value):
        return True
    if config.range_min is not None and value < config.range_min:
        return True
    return config.range_max is not None and value > config.range_max


def step(config: Config, state: State, ts: float, value: float, quality: str = "good"
         ) -> tuple[State, list[Transition]]:
    """Evaluate one reading. Readings not newer than the last one evaluated change nothing."""
    if state.last_ts is not None and ts <= state.last_ts:
        return state, []
    transitions: list[Transition] = []
    fault = is_fault(config, value, quality)

    # Diagnostic slot: any reading ends `offline` at once (the sensor is back); `fault` waits
    # out the on-delay like every other condition.
    diag = state.diagnostic
    if diag.level == OFFLINE:
        transitions.append(Transition("clear", DIAGNOSTIC, OFFLINE, ts, value))
        diag = Slot()
    diag, moved = _advance(diag, FAULT if fault else NORMAL, ts, config.delay_s, DIAGNOSTIC, value)
    transitions += moved

    process = state.process
    if fault:
        # A value we cannot trust neither confirms nor clears a process condition.
        process = replace(process, candidate=None, since=None)
    else:
        target = classify(config, value, process.level)
        process, moved = _advance(process, target, ts, config.delay_s, PROCESS, value)
        transitions += moved

    return State(process=process, diagnostic=diag, last_ts=ts, last_value=value), transitions


def tick(config: Config, state: State, now: float) -> tuple[State, list[Transition]]:
    """Wall-clock check: a point silent for 3 × interval goes `offline` (once)."""
    if state.last_ts is None or state.diagnostic.level == OFFLINE:
        return state, []
    if now - state.last_ts < OFFLINE_AFTER_INTERVALS * config.interval_s:
        return state, []
    transitions = []
    if state.diagnostic.level == FAULT:
        transitions.append(Transition("clear", DIAGNOSTIC, FAULT, now, None))
    transitions.append(Transition("raise", DIAGNOSTIC, OFFLINE, now, None))
    return replace(state, diagnostic=Slot(level=OFFLINE)), transitions


def replay(config: Config, readings, state: State | None = None) -> tuple[State, list[Transition]]:
    """Run readings (ts, value, quality) in the order given; for tests and back-fills."""
    state = state or State()
    out: list[Transition] = []
    for ts, value, quality in readings:
        state, moved = step(config, state, ts, value, quality)
        out += moved
    return state, out


# --- helpers -----------------------------------------------------------------------------

def _advance(slot: Slot, target: str, ts: float, delay_s: float, name: str, value
             ) -> tuple[Slot, list[Transition]]:
    """Move one slot towards `target` once it has held for `delay_s`."""
    current = slot.level or NORMAL
    if target == current or (_same_direction(target, current) and _RANK[target] < _RANK[current]):
        # Nothing to do: in the state already, or a better level of the same alarm (kept at peak).
        return replace(slot, candidate=None, since=None), []
    if slot.candidate != target:
        slot = replace(slot, candidate=target, since=ts)
    if ts - slot.since < delay_s:
        return slot, []
    if slot.level is None:
        return Slot(level=target), [Transition("raise", name, target, ts, value)]
    if target == NORMAL:
        return Slot(), [Transition("clear", name, slot.level, ts, value)]
    if _same_direction(target, slot.level):
        return Slot(level=target), [Transition("escalate", name, target, ts, value)]
    # The other direction: one condition ended, another began.
    return Slot(level=target), [Transition("clear", name, slot.level, ts, value),
                                Transition("raise", name, target, ts, value)]


def _same_direction(a: str, b: str) -> bool:
    return (a in HIGH_LEVELS and b in HIGH_LEVELS) or (a in LOW_LEVELS and b in LOW_LEVELS)
