"""A Daphne process freezes what survives a full collection, so the next full pass does not
walk thousands of sockets' objects again; it thaws on schedule so garbage cycles are reclaimed
(stream/collector.py). Each case runs in a fresh interpreter: freezing is process-wide."""

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

PROGRAM = """
import gc, os, sys
os.environ["DJANGO_SETTINGS_MODULE"] = "command.settings"
{imports}
import django
django.setup()
from stream import collector
collector.install()

class Node:
    pass

def cycle():
    a, b = Node(), Node()
    a.other, b.other = b, a
    return a

keep = [cycle() for _ in range(1000)]
gc.collect()
frozen_after_first = gc.get_freeze_count()
garbage = cycle()  # frozen by the next full pass, then dropped
gc.collect()
del garbage
gc.collect()
print(frozen_after_first, gc.get_freeze_count(), sum(isinstance(o, Node) for o in gc.get_objects()) if not gc.get_freeze_count() else -1)
"""


def run(*, daphne: bool, thaw_s: str = "900") -> list[int]:
    imports = "import daphne.cli" if daphne else ""
    env = {"PATH": "/usr/bin:/bin", "STREAM_GC_THAW_S": thaw_s, "DEBUG": "1", "SECRET_KEY": "collector-test"}
    out = subprocess.run([sys.executable, "-c", PROGRAM.format(imports=imports)], cwd=ROOT, env=env,
                         capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr[-3000:]
    return [int(x) for x in out.stdout.split()]


def test_a_daphne_process_freezes_the_survivors_of_a_full_collection():
    first, later, _ = run(daphne=True)
    assert first >= 2000  # the 1,000 live cycles (2,000 objects) and the rest of the process
    assert later >= first


def test_thawing_on_schedule_lets_the_collector_reclaim_frozen_garbage_cycles():
    first, later, live_nodes = run(daphne=True, thaw_s="0")
    assert first == 0 and later == 0  # every full pass thaws instead of freezing
    assert live_nodes == 2000  # the dropped cycle was reclaimed; the kept ones were not


def test_other_processes_are_left_alone():
    first, later, _ = run(daphne=False)
    assert first == 0 and later == 0
