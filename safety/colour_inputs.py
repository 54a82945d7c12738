"""Inputs of the enterprise's colour that live in apps above safety (a registry, as layers and
panels are): oversight's expired licences, missed 包保 checks, overdue safety assessments. Safety
never imports those apps; each registers a counter here in its AppConfig.ready.

An input either raises the colour one step when present (like an overdue item) or makes it red
outright (the national scheme's 直接判定 conditions, 应急〔2018〕19号: NATIONAL_RED_CONDITIONS
below lists all of them, each registered under its code by the app that holds its data).
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

# The national scheme's outright-red conditions (危险化学品生产储存企业安全风险评估诊断分级指南(试行),
# 应急〔2018〕19号: 有下列情形之一的企业, 直接判定为红色): code -> the condition. Each is an input
# registered by the app that holds its data (oversight: accidents, lapsed licences, the park's
# recorded findings); `unregistered_red_conditions` names any that nothing measures yet.
NATIONAL_RED_CONDITIONS = {
    "untested_process": "新开发的危险化学品生产工艺未经小试、中试和工业化试验直接进行工业化生产",
    "undesigned_installation": "在役化工装置未经正规设计且未进行安全设计诊断",
    "unqualified_operators": "危险化学品特种作业人员未持有效资格证上岗或者未达到高中以上文化程度",
    "major_accident": "三年内发生过重大以上安全事故",
    "larger_accidents": "三年内发生2起较大安全事故",
    "fatal_general_accidents": "近一年内发生2起以上亡人一般安全事故",
}


def register(code: str, *, count: Callable[[int, dt.datetime], int], text, outright_red: bool = False) -> None:
    existing = _INPUTS.get(code)
    if existing is not None and existing.count is not count:
        raise ValueError(f"colour input {code!r} is already registered")
    _INPUTS[code] = ColourInput(code=code, count=count, text=text, outright_red=outright_red)


def measured(enterprise_id: int, at: dt.datetime) -> tuple[tuple[str, int, object, bool], ...]:
    """(code, n, text, outright_red) of every registered input, in registration order."""
    return tuple((i.code, int(i.count(enterprise_id, at)), i.text, i.outright_red) for i in _INPUTS.values())


def unregistered_red_conditions() -> list[str]:
    """The national scheme's outright-red conditions no registered input measures (a gap to show,
    not a colour)."""
    return [code for code in NATIONAL_RED_CONDITIONS if code not in _INPUTS or not _INPUTS[code].outright_red]
