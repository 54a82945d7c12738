"""MQTT load for the monitoring bench, run as its own process (so it does not share the GIL
with what it measures).

    python tests/bench/mqtt_load.py pub PORT PREFIX POINTS RATE SECONDS   # RATE 0 = as fast as it can
    python tests/bench/mqtt_load.py sub PORT PREFIX SECONDS               # the raw pub→sub baseline

`pub` publishes gateway batches of 100 readings (QoS 1) on <prefix>/gateways/gw-<n>: every
point once per round, each round with its own timestamp, so every (point, ts) is new. Points
are named B00000 …. It prints one JSON line: {"readings": n, "seconds": s}.
`sub` subscribes like an ingester (shared subscription, QoS 1) and counts the readings it
receives (decoding each batch, as an ingester must), printing the same line.
"""

import json
import sys
import threading
import time

import paho.mqtt.client as mqtt

BATCH = 100


def client(port, client_id):
    c = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id=client_id, protocol=mqtt.MQTTv5)
    c.max_inflight_messages_set(1000)
    c.max_queued_messages_set(0)
    c.connect("127.0.0.1", port)
    c.loop_start()
    return c


def pub(port, prefix, points, rate, seconds):
    c = client(port, f"bench-pub-{time.time_ns()}")
    codes = [f"B{i:05d}" for i in range(points)]
    sent = 0
    start = time.time()
    last_ms = 0
    infos = []
    while time.time() - start < seconds:
        ms = max(int(time.time() * 1000), last_ms + 1)
        last_ms = ms
        for i in range(0, points, BATCH):
            batch = [{"point": code, "ts": ms, "value": 5.0 + (sent % 7) * 0.1} for code in codes[i:i + BATCH]]
            infos.append(c.publish(f"{prefix}/gateways/gw-{i // BATCH}", json.dumps(batch), qos=1))
            sent += len(batch)
        if len(infos) > 2000:
            for info in infos[:1000]:
                info.wait_for_publish(30)
            infos = infos[1000:]
        if rate:
            ahead = sent / rate - (time.time() - start)
            if ahead > 0:
                time.sleep(ahead)
    for info in infos:
        info.wait_for_publish(30)
    elapsed = time.time() - start
    c.loop_stop()
    c.disconnect()
    print(json.dumps({"readings": sent, "seconds": elapsed}), flush=True)


def sub(port, prefix, seconds):
    count = [0]
    first = [None]
    last = [None]
    lock = threading.Lock()

    def on_message(_c, _u, message):
        n = len(json.loads(message.payload))
        with lock:
            now = time.time()
            first[0] = first[0] or now
            last[0] = now
            count[0] += n

    c = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id=f"bench-sub-{time.time_ns()}", protocol=mqtt.MQTTv5)
    c.on_message = on_message
    c.connect("127.0.0.1", port)
    c.subscribe(f"$share/benchraw/{prefix}/gateways/+", qos=1)
    c.loop_start()
    print(json.dumps({"ready": True}), flush=True)
    time.sleep(seconds)
    c.loop_stop()
    c.disconnect()
    with lock:
        span = (last[0] - first[0]) if first[0] and last[0] and last[0] > first[0] else float("nan")
        print(json.dumps({"readings": count[0], "seconds": span}), flush=True)


if __name__ == "__main__":
    if sys.argv[1] == "pub":
        pub(int(sys.argv[2]), sys.argv[3], int(sys.argv[4]), float(sys.argv[5]), float(sys.argv[6]))
    else:
        sub(int(sys.argv[2]), sys.argv[3], float(sys.argv[4]))
