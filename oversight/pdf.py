"""The order to rectify within a time limit (责令限期整改指令书) of an inspection, as a PDF the
inspectors print and hand over. Chinese text needs a CJK TrueType font (fonts-wqy-zenhei,
installed by scripts/bootstrap.sh, as for the after-action report)."""

from __future__ import annotations

import io
from pathlib import Path
from xml.sax.saxutils import escape

from django.core.exceptions import ImproperlyConfigured
from django.utils import timezone

FONT_NAME = "CJK"
FONT_CANDIDATES = ["/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc", "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc"]


def _font() -> str:
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont

    if FONT_NAME not in pdfmetrics.getRegisteredFontNames():
        path = next((p for p in FONT_CANDIDATES if Path(p).exists()), None)
        if path is None:
            raise ImproperlyConfigured("No CJK TrueType font: install fonts-wqy-zenhei (scripts/bootstrap.sh does).")
        pdfmetrics.registerFont(TTFont(FONT_NAME, path, subfontIndex=0))
    return FONT_NAME


def order_pdf(inspection) -> bytes:
    """The order is an official form with fixed Chinese wording; it is printed in Chinese
    whatever the interface language."""
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.lib.units import mm
    from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer

    font = _font()
    base = ParagraphStyle("base", fontName=font, fontSize=11, leading=18, wordWrap="CJK")
    title = ParagraphStyle("title", parent=base, fontSize=18, leading=26, alignment=1, spaceAfter=4)
    number = ParagraphStyle("number", parent=base, alignment=2)

    def p(text, style=base):
        return Paragraph(escape(str(text)).replace("\n", "<br/>"), style)

    local = timezone.localtime
    enterprise = inspection.enterprise
    story = [p("责令限期整改指令书", title), p(inspection.order_number or "", number), Spacer(1, 4 * mm),
             p(f"{enterprise.name}："),
             p(f"经{local(inspection.at):%Y年%m月%d日}检查，发现你单位存在下列问题：")]
    for k, finding in enumerate(inspection.findings.select_related("hidden_danger"), start=1):
        level = "重大隐患" if finding.hidden_danger.level == "major" else "一般隐患"
        story.append(p(f"{k}. {finding.text}（{level}）"))
    deadline = local(inspection.order_deadline) if inspection.order_deadline else None
    story += [Spacer(1, 3 * mm),
              p("依据《中华人民共和国安全生产法》第六十五条的规定，现责令你单位对上述问题"
                + (f"于{deadline:%Y年%m月%d日}前" if deadline else "限期") + "整改完毕，达到有关法律法规规章和"
                "国家标准或者行业标准的要求。整改期间，你单位应当采取措施，确保安全生产。"),
              p("如果不服本指令，可以依法在60日内申请行政复议，或者在6个月内依法提起行政诉讼，"
                "但本指令不停止执行，法律另有规定的除外。"),
              Spacer(1, 8 * mm),
              p("检查人员（签名）：" + "、".join(inspection.inspectors)),
              p("被检查单位负责人（签名）："),
              Spacer(1, 4 * mm),
              p(f"园区安全监管机构（印章）　　{local(inspection.at):%Y年%m月%d日}", number)]
    buffer = io.BytesIO()
    SimpleDocTemplate(buffer, pagesize=A4, leftMargin=22 * mm, rightMargin=22 * mm, topMargin=20 * mm,
                      bottomMargin=20 * mm, title="责令限期整改指令书").build(story)
    return buffer.getvalue()
