"""The demo simulator over a real broker: every demo point reports, and a staged leak at RS01
rings H then HH on its chlorine detectors within a minute."""

import asyncio
import threading

import pytest

from monitoring import simulator
from monitoring.models import Alarm, MonitoringPoint, Reading
from tests.monitoring.conftest import wait_until

pytestmark = pytest.mark.django_db(transaction=True)


def test_simulated_readings_and_a_staged_leak_raise_hh_within_a_minute(demo, broker, prefix, start_ingester):
    start_ingester()
    loop_box = {}

    def run():
        async def main():
            loop_box["loop"] = asyncio.get_running_loop()
            loop_box["stop"] = asyncio.Event()
            await simulator.Simulator(url=broker.url, prefix=prefix).run(loop_box["stop"])

        asyncio.run(main())

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    try:
        points = MonitoringPoint.objects.count()
        wait_until(lambda: Reading.objects.values("point_id").distinct().count() == points, timeout=60,
                   what="a reading from every demo point")
        assert not Alarm.objects.filter(slot="process").exists()  # normal values raise nothing
        asyncio.run(simulator.order_leak(url=broker.url, prefix=prefix, source="RS01", seconds=90))
        wait_until(lambda: Alarm.objects.filter(point__risk_source__code="RS01", level="hh").exists(), timeout=60,
                   what="an HH alarm at RS01")
        hh = Alarm.objects.filter(point__risk_source__code="RS01", level="hh").first()
        assert hh.point.kind == "toxic_gas"
        assert list(hh.history.values_list("kind", flat=True))[:2] == ["raised", "escalated"]  # H first, then HH
        assert not Alarm.objects.exclude(point__risk_source__code="RS01").filter(slot="process").exists()
    finally:
        if "loop" in loop_box:
            loop_box["loop"].call_soon_threadsafe(loop_box["stop"].set)
        thread.join(30)
