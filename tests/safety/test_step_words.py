"""Issue 22.10: every step a hidden danger's timeline can record reads as words, in Chinese, on
the pages; a step added to the services without its label would show "其他步骤" (other step)."""

import re
from pathlib import Path

from django.utils import translation

from safety import rules

# safety.services is a package (issue 23): every module of it.
SERVICES = "\n".join(p.read_text(encoding="utf-8") for p in sorted(Path(rules.__file__).with_name("services").glob("*.py")))


def test_every_step_the_services_write_has_its_own_words_in_chinese():
    written = set(re.findall(r'_step\([^,]+, [^,]+, "([a-z_]+)"', SERVICES))
    written |= set(re.findall(r'action="([a-z_]+)"', SERVICES))
    assert {"reported", "photo", "photo_refused", "deadline"} <= written
    with translation.override("zh-hans"):
        other = rules.step_label("no-such-step")
        words = {action: rules.step_label(action) for action in written}
    assert [a for a, label in words.items() if label == other] == []
    assert all(not re.search(r"[A-Za-z]", label) for label in words.values()), words
