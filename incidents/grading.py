"""The severity a production-safety accident's toll says (生产安全事故报告和调查处理条例 Art. 3):
any one criterion is enough; "以上" includes the boundary, "以下" excludes it.

| level | deaths | serious injuries (incl. acute poisoning) | direct loss (CNY) |
| 特别重大 Ⅰ | ≥ 30 | ≥ 100 | ≥ 100 million |
| 重大 Ⅱ | ≥ 10 | ≥ 50 | ≥ 50 million |
| 较大 Ⅲ | ≥ 3 | ≥ 10 | ≥ 10 million |
| 一般 Ⅳ | below |

Officers set the severity; the system suggests it from the figures and warns when the chosen one
is lower, because the reporting deadlines follow the level. A change of casualties within 30
days of closing needs a supplementary report (补报, Art. 13: 自事故发生之日起30日内, 事故造成
的伤亡人数发生变化的, 应当及时补报).
"""

from __future__ import annotations

from decimal import Decimal

# Highest first: (level, deaths at least, serious injuries at least, direct loss at least).
THRESHOLDS = (
    ("I", 30, 100, Decimal("100000000")),
    ("II", 10, 50, Decimal("50000000")),
    ("III", 3, 10, Decimal("10000000")),
)
ORDER = ("I", "II", "III", "IV")  # Ⅰ is the highest
SUPPLEMENTARY_DAYS = 30


def suggested_severity(deaths: int, injuries: int, direct_loss_cny) -> str:
    loss = Decimal(str(direct_loss_cny or 0))
    for level, min_deaths, min_injuries, min_loss in THRESHOLDS:
        if deaths >= min_deaths or injuries >= min_injuries or loss >= min_loss:
            return level
    return "IV"


def below(chosen: str, suggested: str) -> bool:
    """True when the chosen severity is lower than the one the figures suggest."""
    return ORDER.index(chosen) > ORDER.index(suggested)
