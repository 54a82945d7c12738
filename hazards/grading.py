"""GB 18218-2018 identification and grading of major hazard sources of hazardous chemicals.

Pure functions. R = α · Σ βᵢ·qᵢ/Qᵢ; a unit is a major hazard source when Σ qᵢ/Qᵢ ≥ 1, and
only a major hazard source is graded (§4.2.3): 一级 R ≥ 100, 二级 50 ≤ R < 100,
三级 10 ≤ R < 50, 四级 R < 10.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache
from pathlib import Path


@dataclass(frozen=True)
class Grading:
    sum_q_ratio: float
    alpha: float
    r_value: float
    is_major: bool
    grade: int | None  # 1..4, None when not a major hazard source


def alpha(people_within_500m: int) -> float:
    """Exposed-people correction α (GB 18218-2018 Table 5)."""
    if people_within_500m >= 100:
        return 2.0
    if people_within_500m >= 50:
        return 1.5
    if people_within_500m >= 30:
        return 1.2
    if people_within_500m >= 1:
        return 1.0
    return 0.5


def grade_for(r_value: float) -> int:
    if r_value >= 100:
        return 1
    if r_value >= 50:
        return 2
    if r_value >= 10:
        return 3
    return 4


def grade(items: Iterable[tuple[float, float | None, float]], people_within_500m: int) -> Grading:
    """`items`: (q in t, critical quantity Q in t, β) per chemical. A chemical without a critical
    quantity is not listed by the standard and does not count."""
    counted = [(q, big_q, beta) for q, big_q, beta in items if big_q]
    sum_q_ratio = sum(q / big_q for q, big_q, _beta in counted)
    weighted = sum(beta * q / big_q for q, big_q, beta in counted)
    a = alpha(people_within_500m)
    r_value = a * weighted
    is_major = sum_q_ratio >= 1.0
    return Grading(sum_q_ratio=sum_q_ratio, alpha=a, r_value=r_value, is_major=is_major,
                   grade=grade_for(r_value) if is_major else None)


@cache
def hazard_classes() -> dict[str, dict]:
    """GB 18218-2018 Table 2 (critical quantity by hazard class, for a chemical Table 1 does not
    name) with Table 4's correction factor β, as data: hazards/data/gb18218_table2.json."""
    data = json.loads((Path(__file__).parent / "data" / "gb18218_table2.json").read_text(encoding="utf-8"))
    return {row["code"]: row for row in data["classes"]}


def critical_quantity(listed_q: float | None, beta: float, hazard_class: str) -> tuple[float | None, float]:
    """(Q, β) of a chemical: its own Table 1 quantity (and the β it was given) when listed; else
    its hazard class's Table 2 quantity and Table 4 β; else (None, β), and it is not counted."""
    if listed_q is not None:
        return listed_q, beta
    row = hazard_classes().get(hazard_class or "")
    return (row["q_t"], row["beta"]) if row else (None, beta)
