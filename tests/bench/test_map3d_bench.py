"""Benchmark of the 3D park view (issue 27; run by `make bench`; figures are printed, never asserted).

Headless Chromium on this machine's CPU (SwiftShader WebGL, no GPU), 1400 × 900, the demo park
with a release's threat zones and plume, a real Daphne:

1. Open time: from the navigation's start to the first settled frame with every initial layer
   drawn (the page's own `data-ready-ms`), and the wall time Playwright waited; against the 2D map
   opened in the same browser in the same run (wall time until its layers are loaded).
2. Frames per second while rotating (the presenter's "Rotate"): over the first seconds from the
   press (the page's adaptive resolution choosing its pixel ratio, and the stall of that one change,
   included), then over the following seconds alone, each with the pixel ratio in use at its end;
   then at full resolution (the adaptive step off), what the pixels cost. Against the browser's own
   frame rate on the same page standing still (requestAnimationFrame ticks): the ceiling here.

WebGL runs on the CPU (SwiftShader), so the figures move with whatever else runs: the load
average is printed beside each rotation's figures (1-minute, read as it ends) and at the end.
"""

import os
import statistics
import time

from django.conf import settings

from tests.conftest import free_port, login, start_daphne, stop_process
from tests.e2e.test_map3d import WEBGL_ARGS, park_scene, wait_for

OPENS = 5
ROTATE_S = 6
SETTLED_S = 3
FULL_S = 4


def _rotate(page, seconds, adaptive=True):
    """Frames/s of a turn of `seconds`, the pixel ratio at its end, the load average then."""
    page.evaluate("(adaptive) => window.map3dRotate(true, {adaptive})", adaptive)
    time.sleep(seconds)
    frames, since, now, ratio = page.evaluate(
        "[window.map3dStats.frames, window.map3dStats.since, performance.now(), window.map3dStats.pixelRatio]")
    return frames / ((now - since) / 1000), frames, (now - since) / 1000, ratio, os.getloadavg()[0]


def test_map3d_open_time_and_frame_rate(transactional_db):
    from playwright.sync_api import sync_playwright

    park_scene()
    port = free_port()
    proc = start_daphne(port)
    base = f"http://127.0.0.1:{port}"
    try:
        with sync_playwright() as pw:
            chromium = pw.chromium.launch(executable_path="/usr/bin/chromium", headless=True, args=WEBGL_ARGS)
            page = chromium.new_page(viewport={"width": 1400, "height": 900})
            login(page, base, "duty1", settings.DEMO_PASSWORD)
            ready, waited, flat = [], [], []
            for i in range(OPENS + 1):  # the first opening warms the browser's cache: not counted
                start = time.monotonic()
                page.goto(f"{base}/map/3d/")
                wait_for(page, "document.getElementById('map3d').dataset.ready === '1'", "3D view never settled", 120)
                if i:
                    waited.append(time.monotonic() - start)
                    ready.append(int(page.get_attribute("#map3d", "data-ready-ms")) / 1000)
                start = time.monotonic()
                page.goto(f"{base}/map/")
                page.wait_for_selector("#map[data-loaded_risk_sources][data-loaded_threat_zones]", timeout=120_000)
                if i:
                    flat.append(time.monotonic() - start)

            page.goto(f"{base}/map/3d/")
            wait_for(page, "document.getElementById('map3d').dataset.ready === '1'", "3D view never settled", 120)
            # The page draws its scene a few times after opening, to choose its turning resolution.
            wait_for(page, "window.map3dStats.calibrated > 0", "the 3D view never measured its frame rate", 30)
            calibrated = page.evaluate("window.map3dStats.calibrated")
            still = page.evaluate("""(seconds) => new Promise((done) => {
                let n = 0; const end = performance.now() + seconds * 1000;
                const tick = (now) => { n += 1; if (now < end) requestAnimationFrame(tick); else done(n / seconds); };
                requestAnimationFrame(tick); })""", 3)
            # As the presenter turns it: from the press, then the following seconds alone.
            first = _rotate(page, ROTATE_S)
            page.evaluate("window.map3dStats.frames = 0; window.map3dStats.since = performance.now()")
            time.sleep(SETTLED_S)
            frames, since, now, ratio = page.evaluate(
                "[window.map3dStats.frames, window.map3dStats.since, performance.now(), window.map3dStats.pixelRatio]")
            settled = (frames / ((now - since) / 1000), frames, (now - since) / 1000, ratio, os.getloadavg()[0])
            page.evaluate("window.map3dRotate(false)")
            time.sleep(1)
            full = _rotate(page, FULL_S, adaptive=False)
            page.evaluate("window.map3dRotate(false)")
            chromium.close()
    finally:
        stop_process(proc)

    load = os.getloadavg()
    print(f"\n== 3D park view (headless Chromium, SwiftShader, 1400x900; load average {load[0]:.1f} / {load[1]:.1f} "
          f"on {os.cpu_count()} CPUs)")
    print(f"   open, navigation start -> settled frame   p50 {statistics.median(ready):6.2f} s   max {max(ready):6.2f} s"
          f"   n={len(ready)}")
    print(f"   open, wall time waited                    p50 {statistics.median(waited):6.2f} s   max {max(waited):6.2f} s")
    print(f"   baseline: 2D map open, wall time          p50 {statistics.median(flat):6.2f} s   max {max(flat):6.2f} s"
          f"   ratio {statistics.median(waited) / statistics.median(flat):.2f}x")
    for label, (fps, frames, seconds, ratio, load1) in (
            ("rotating, first seconds from the press", first), ("rotating, the following seconds", settled),
            ("rotating at full resolution", full)):
        print(f"   {label:39s} {fps:6.1f} frames/s ({frames} frames in {seconds:.1f} s) at pixel ratio {ratio:.2f}"
              f"   load {load1:.1f}")
    print("   (adaptive: below 20 frames/s the pixel ratio drops, to 0.40 at least, until the turn stops)")
    print(f"   standing still, redrawn to choose the turning resolution {calibrated:6.1f} frames/s at pixel ratio 1")
    print(f"   baseline: the same page standing still, requestAnimationFrame {still:6.1f} /s"
          f"   ratio {settled[0] / still:.2f}")
