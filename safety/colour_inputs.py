"""Inputs of the enterprise's colour that live in apps above safety (a registry, as layers and
panels are): oversight's expired licences, missed 包保 checks, overdue safety assessments. Safety
never imports those apps; each registers a counter here in its AppConfig.ready.

An input either raises the colour one step when present (like an overdue item) or makes it red
outright (the national scheme's 直接判定 conditions, 应急〔2018〕19号).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class ColourInput:
    code: str
    count: Callable[[int, dt.datetime], int]  # (enterprise id, at) -> how many
    text: object  # a lazy translation with %(n)d
    outright_red: bool = False


_INPUTS: dict[str, ColourInput] = {}


def register(code: str, *, count: Callable[[int, dt.datetime], int], text, outright_red: bool = False) -> None:
    existing = _INPUTS.get(code)
    if existing is not None and existing.count is not count:
        raise ValueError(f"colour input {code!r} is already registered")
    _INPUTS[code] = ColourInput(code=code, count=count, text=text, outright_red=outright_red)


def measured(enterprise_id: int, at: dt.datetime) -> tuple[tuple[str, int, object, bool], ...]:
    """(code, n, text, outright_red) of every registered input, in registration order."""
    return tuple((i.code, int(i.count(enterprise_id, at)), i.text, i.outright_red) for i in _INPUTS.values())
