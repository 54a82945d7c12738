"""The soak's websocket clients, in a process of their own (`python -m tests.soak.clients SPEC OUT`).

The soak runs several of these so that the phones' side is never what it measures: each holds
its share of the sockets on one event loop (uvloop when installed), stamps every frame with
CLOCK_MONOTONIC the moment the websocket library hands it over and does nothing else per frame
(the frames are parsed after the run). CLOCK_MONOTONIC is one clock for every process on the
machine, so the dispatcher's request start (another process) and these stamps subtract
directly; the parent still checks the alignment with a ping-pong over the pipe ("clock").

It also measures its own event loop's lag (a 20 ms sleep's overshoot): a late loop would stamp
frames late, so the soak prints it beside the push latency.

Lines on stdin: "clock" → "clock <ns>"; "stop" → closes every socket, writes OUT (JSON) and
exits. Lines on stdout: "ready <seconds to connect>", "clock <ns>".
"""

from __future__ import annotations

import asyncio
import json
import resource
import sys
import time

LAG_PROBE_S = 0.02


def _loop_factory():
    try:
        import uvloop  # noqa: PLC0415 - optional: faster, not required
    except ImportError:
        return None, "asyncio"
    return uvloop.new_event_loop, "uvloop"


async def main(spec_path: str, out_path: str) -> None:
    import websockets

    with open(spec_path) as spec_file:
        spec = json.load(spec_file)
    frames: list[tuple[int, int, str]] = []  # (unit id, CLOCK_MONOTONIC ns at receipt, raw text)
    errors: list[str] = []
    lags: list[float] = []
    stopping = False
    now = time.monotonic_ns
    append = frames.append

    async def listen(unit_id, token, url, ready):
        try:
            async with websockets.connect(url, additional_headers={"Authorization": f"Token {token}"},
                                          open_timeout=120, ping_interval=None, max_queue=None,
                                          compression=None) as ws:
                ready.set_result(True)
                async for message in ws:
                    append((unit_id, now(), message))
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # noqa: BLE001 - every drop is an error in a soak
            if not stopping:
                errors.append(f"websocket of unit {unit_id}: {exc!r}")
            if not ready.done():
                ready.set_result(False)

    async def lag_probe():
        while True:
            t0 = time.monotonic()
            await asyncio.sleep(LAG_PROBE_S)
            lags.append(time.monotonic() - t0 - LAG_PROBE_S)

    loop = asyncio.get_running_loop()
    tasks = []
    t_connect = time.monotonic()
    sockets = spec["sockets"]
    for start in range(0, len(sockets), 50):  # in batches, as phones trickle in
        batch = []
        for unit_id, token, url in sockets[start:start + 50]:
            ready = loop.create_future()
            tasks.append(asyncio.create_task(listen(unit_id, token, url, ready)))
            batch.append(ready)
        await asyncio.gather(*batch)
    print(f"ready {time.monotonic() - t_connect:.2f}", flush=True)
    probe = asyncio.create_task(lag_probe())
    reader = asyncio.StreamReader()
    await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(reader), sys.stdin)
    while True:
        line = (await reader.readline()).decode().strip()
        if line == "clock":
            print(f"clock {now()}", flush=True)
        elif line == "lag-reset":
            lags.clear()
        elif line in ("stop", ""):
            break
    stopping = True
    probe.cancel()
    for task in tasks:
        task.cancel()
    await asyncio.gather(probe, *tasks, return_exceptions=True)
    with open(out_path, "w") as out:
        json.dump({"frames": frames, "errors": errors, "lags": lags,
                   "rss_kb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss}, out)


if __name__ == "__main__":
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    factory, name = _loop_factory()
    print(f"loop {name}", flush=True)
    if factory is None:
        asyncio.run(main(sys.argv[1], sys.argv[2]))
    else:
        with asyncio.Runner(loop_factory=factory) as runner:
            runner.run(main(sys.argv[1], sys.argv[2]))
