"""Benchmarks only: the garbage collections of a server process, timed.

bench/live.py puts this directory on the web server's PYTHONPATH with
INTERCOOP_BENCH_COLLECTIONS set to a path prefix; Python imports this module at start
(as `sitecustomize`), and the process then writes, every half second, each collection
of the older generations (1 and 2) with its wall and CPU time to <prefix>.<pid>.json.
Without the variable it does nothing.
"""

import os

PREFIX = os.environ.get("INTERCOOP_BENCH_COLLECTIONS")

if PREFIX:
    import gc
    import json
    import threading
    import time

    collections = []
    started = {}

    def timed(phase, info):
        if phase == "start":
            started["wall"], started["cpu"] = time.perf_counter(), time.thread_time()
        elif info["generation"] >= 1 and "wall" in started:
            collections.append(
                {
                    "at": time.time(),
                    "generation": info["generation"],
                    "wall_ms": (time.perf_counter() - started["wall"]) * 1000,
                    "cpu_ms": (time.thread_time() - started["cpu"]) * 1000,
                }
            )

    def write_out():
        path = f"{PREFIX}.{os.getpid()}.json"
        while True:
            time.sleep(0.5)
            with open(path + ".tmp", "w") as output:
                json.dump(list(collections), output)
            os.replace(path + ".tmp", path)

    gc.callbacks.append(timed)
    threading.Thread(target=write_out, name="collections", daemon=True).start()
