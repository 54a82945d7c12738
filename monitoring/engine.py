"""The alarm state machine of one monitoring point: pure, no Django, no clock, no I/O.

docs/domain.md "Park monitoring and alarms", after ISA-18.2 / EEMUA 191:

- A point has two alarm slots. The *process* slot watches the value against LL < L < H < HH;
  the *diagnostic* slot says the instrument cannot be trusted (`fault`: bad quality or a value
  outside the instrument's range; `offline`: no reading for 3 × interval). A broken sensor is
  not a leak, but a leak may break a sensor: a fault never clears a process alarm, nor does
  it restart a process condition's on-delay.
- A gas detector pinned above its range (good quality, a value past full scale) is a fault
  *and* an HH condition: in a big leak a detector saturates, and "broken sensor" alone would
  hide the leak (issue 25; GB/T 50493-2019 treats the detector's full scale as the top of its
  alarm range). `Config.saturates_high` says which points read that way.
- On-delay: a condition must hold for `delay_s` before it raises or escalates anything.
- Deadband: once in alarm, the value must come back inside the limit by `deadband` to count as
  normal again; readings between the limit and limit ∓ deadband hold the alarm.
- A worse limit in the same direction escalates the same alarm (H → HH); a better one does not
  lower it (the alarm keeps its peak level until it clears). Crossing to the other direction
  (a high alarm, then a low value) clears the one and raises the other.

The engine keeps its own clock (issue 20). Readings come from devices, and a device's clock,
or an attacker on the park network, can lie; so:

- Engine time is the newest reading time seen, but never more than `skew_s` ahead of the
  server's time (`now`, when the caller gives it; the ingesters always do). Readings dated
  further ahead are refused before they get here (monitoring.parsing: dead letters).
- A *late* reading (not newer than engine time) still counts, at engine time, when it makes
  things worse (a value beyond a limit, a fault): a real sensor's readings are never ignored
  because something else dated a reading ahead of them. It never makes anything better.
- A condition, once seen, stays the candidate until no reading has confirmed it for a
  *window* of 2 reporting intervals + `skew_s` of engine time: a few other readings in
  between (an attacker's normal values, a chattering sensor) cannot restart the on-delay of
  a real limit crossing. It raises on a reading that confirms it `delay_s` after it was first
  seen.
- Ending a condition (clearing it, or crossing to the other direction) needs the better
  condition to hold for the on-delay *and* for that window: longer than one reporting interval
  plus the skew, so a real sensor that stays beyond the limit is heard again before an alarm
  clears, and two readings, however dated, can never clear it.

`step` and `tick` return the new state and the transitions; the caller (monitoring.services)
persists both. States are immutable and JSON-friendly (`as_dict` / `State.from_dict`).
Replaying the same readings from the same state gives the same alarms; the same reading
twice is stopped before the engine by the store's unique (point, ts).
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
WINDOW_INTERVALS = 2  # see the module docstring: a condition's window is 2 intervals + skew

# How bad each level is within its direction; used to decide escalation and the peak.
_RANK = {NORMAL: 0, "h": 1, "hh": 2, "l": 1, "ll": 2, FAULT: 1}


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
    skew_s: float = 5.0  # how far ahead of the server's clock engine time may go
    # A gas detector: a good reading above range_max is HH as well as a fault (module docstring).
    saturates_high: bool = False

    @property
    def window_s(self) -> float:
        return WINDOW_INTERVALS * self.interval_s + self.skew_s


@dataclass(frozen=True)
class Slot:
    """One alarm slot: the level in force (None = no alarm) and a pending candidate."""

    level: str | None = None
    candidate: str | None = None  # the level waiting out the on-delay; NORMAL = waiting to clear
    since: float | None = None  # engine time the candidate was first seen
    seen: float | None = None  # engine time a reading last confirmed the candidate


@dataclass(frozen=True)
class State:
    process: Slot = field(default_factory=Slot)
    diagnostic: Slot = field(default_factory=Slot)
    last_ts: float | None = None  # engine time: newest reading time evaluated (epoch seconds), capped
    last_value: float | None = None

    @property
    def point_state(self) -> str:
        """What the API calls a point's `state`: the diagnostic slot first, since a value
        from a faulty sensor means nothing, then the process alarm, else normal."""
        return self.diagnostic.level or self.process.level or NORMAL

    def as_dict(self) -> dict:
        return {"p": [self.process.level, self.process.candidate, self.process.since, self.process.seen],
                "d": [self.diagnostic.level, self.diagnostic.candidate, self.diagnostic.since, self.diagnostic.seen],
                "ts": self.last_ts, "v": self.last_value}

    @classmethod
    def from_dict(cls, data: dict | None) -> State:
        if not data:
            return cls()
        return cls(process=_slot(data.get("p")), diagnostic=_slot(data.get("d")),
                   last_ts=data.get("ts"), last_value=data.get("v"))


def _slot(raw) -> Slot:
    """A slot from JSON; states stored before `seen` existed have three fields (seen = since)."""
    level, candidate, since, *rest = list(raw or (None, None, None))
    return Slot(level, candidate, since, rest[0] if rest else since)


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


def is_saturated_high(config: Config, value: float, quality: str = "good") -> bool:
    """A good reading past the top of a gas detector's range: the gas is at least full scale."""
    return (config.saturates_high and quality == "good" and math.isfinite(value)
            and config.range_max is not None and value > config.range_max)


def engine_time(config: Config, state: State, ts: float, now: float | None = None) -> tuple[float, bool]:
    """(engine time of a reading, whether it is late): the reading's time capped at
    now + skew; a reading not newer than the engine's clock counts at the clock."""
    capped = ts if now is None else min(ts, now + config.skew_s)
    if state.last_ts is not None and capped <= state.last_ts:
        return state.last_ts, True
    return capped, False


def step(config: Config, state: State, ts: float, value: float, quality: str = "good", now: float | None = None
         ) -> tuple[State, list[Transition]]:
    """Evaluate one reading; `now` is the server's time (epoch seconds), None in pure replays."""
    t, late = engine_time(config, state, ts, now)
    transitions: list[Transition] = []
    fault = is_fault(config, value, quality)

    # Diagnostic slot: any reading ends `offline` at once (the sensor, or its gateway, is
    # back); `fault` waits out the on-delay like every other condition.
    diag = state.diagnostic
    if diag.level == OFFLINE and not late:
        transitions.append(Transition("clear", DIAGNOSTIC, OFFLINE, t, value))
        diag = Slot()
    if diag.level != OFFLINE:
        diag, moved = _advance(diag, FAULT if fault else NORMAL, t, late, config, DIAGNOSTIC, value)
        transitions += moved

    process = state.process
    if is_saturated_high(config, value, quality):
        # Past full scale the gas is at least that high: the worst process condition.
        process, moved = _advance(process, "hh", t, late, config, PROCESS, value)
        transitions += moved
    elif not fault:
        # A value we cannot trust neither confirms, nor clears, nor restarts a process condition.
        target = classify(config, value, process.level)
        process, moved = _advance(process, target, t, late, config, PROCESS, value)
        transitions += moved

    if late:
        return replace(state, process=process, diagnostic=diag), transitions
    return State(process=process, diagnostic=diag, last_ts=t, last_value=value), transitions


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


def replay(config: Config, readings, state: State | None = None, now: float | None = None
           ) -> tuple[State, list[Transition]]:
    """Run readings (ts, value, quality) in the order given; for tests and back-fills."""
    state = state or State()
    out: list[Transition] = []
    for ts, value, quality in readings:
        state, moved = step(config, state, ts, value, quality, now)
        out += moved
    return state, out


# --- helpers -----------------------------------------------------------------------------

def _advance(slot: Slot, target: str, t: float, late: bool, config: Config, name: str, value
             ) -> tuple[Slot, list[Transition]]:
    """Move one slot towards `target` (the condition this reading shows) at engine time t."""
    current = slot.level or NORMAL
    window = config.window_s
    # A candidate no reading has confirmed for a whole window is forgotten.
    if slot.candidate is not None and t - slot.seen > window:
        slot = replace(slot, candidate=None, since=None, seen=None)
    candidate = slot.candidate

    if candidate is not None:
        if _supports(target, candidate):
            if _worse_same_direction(target, candidate):
                # A worse level than the one waiting (HH seen while H waits) waits on its own.
                slot = replace(slot, candidate=target, since=t, seen=t)
            else:
                slot = replace(slot, seen=t)
            return _due(slot, t, config, name, value)
        ending = slot.level is not None and not _worse_same_direction(candidate, current)
        if candidate != NORMAL and not (ending and _same_direction(target, current)):
            # A worse condition is waiting: a milder reading, or one of the other direction,
            # leaves it waiting (only the window forgets it).
            return slot, []
        # Waiting to end the alarm in force, and its condition is seen again: start over.
        slot = replace(slot, candidate=None, since=None, seen=None)

    if not _needs_change(target, current) or (late and _improves(target, current)):
        return slot, []
    return _due(replace(slot, candidate=target, since=t, seen=t), t, config, name, value)


def _due(slot: Slot, t: float, config: Config, name: str, value) -> tuple[Slot, list[Transition]]:
    """The candidate's transition if it has waited long enough (a reading in it, at t)."""
    needed = config.delay_s
    if slot.level is not None and not _worse_same_direction(slot.candidate, slot.level):
        needed = max(needed, config.window_s)  # ending a condition (see the module docstring)
    if t - slot.since < needed:
        return slot, []
    return _transition(slot, slot.candidate, t, name, value)


def _transition(slot: Slot, target: str, t: float, name: str, value) -> tuple[Slot, list[Transition]]:
    if slot.level is None:
        return Slot(level=target), [Transition("raise", name, target, t, value)]
    if target == NORMAL:
        return Slot(), [Transition("clear", name, slot.level, t, value)]
    if _same_direction(target, slot.level):
        return Slot(level=target), [Transition("escalate", name, target, t, value)]
    # The other direction: one condition ended, another began.
    return Slot(level=target), [Transition("clear", name, slot.level, t, value),
                                Transition("raise", name, target, t, value)]


def _needs_change(target: str, current: str) -> bool:
    """Whether a reading at `target` asks for a change of the level in force: not the same
    level, nor a better level of the same alarm (kept at its peak)."""
    return not (target == current or (_same_direction(target, current) and _RANK[target] < _RANK[current]))


def _improves(target: str, current: str) -> bool:
    """Whether a change to `target` would end the condition in force rather than worsen it."""
    return target == NORMAL or (current != NORMAL and not _same_direction(target, current))


def _supports(target: str, candidate: str) -> bool:
    """Whether a reading at `target` confirms the waiting candidate."""
    if candidate == NORMAL:
        return target == NORMAL
    return target == candidate or _worse_same_direction(target, candidate)


def _worse_same_direction(a: str, b: str) -> bool:
    return _same_direction(a, b) and _RANK[a] > _RANK[b]


def _same_direction(a: str, b: str) -> bool:
    return (a in HIGH_LEVELS and b in HIGH_LEVELS) or (a in LOW_LEVELS and b in LOW_LEVELS)
