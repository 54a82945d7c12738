"""The job worker, kept running through a database outage (issue 26).

procrastinate's worker (`manage.py procrastinate worker`) stops when its LISTEN connection
fails ("Side task listener failed ..., stopping worker"), which is what a failover or a
restart of PostgreSQL does to it: until something starts it again, no escalation and no overdue
task runs. systemd would restart it (deploy/systemd/command-worker@.service, Restart=always),
but `make run` has no systemd and a restart loop in a unit hides the cause. This command runs
the same worker and, when it stops without being asked, opens a fresh connection pool and
starts it again after a short pause (with backoff while the database stays away). Jobs due
meanwhile wait in PostgreSQL and run once it is back. A job that was *running* when the
primary died had its work rolled back but stays marked `doing`; it is not retried by itself
(not every job here is safe to run twice): docs/operations.md says how to find and retry it.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
import signal

from django.core.management.base import BaseCommand

log = logging.getLogger("command.jobs_worker")


class Command(BaseCommand):
    help = "Run the procrastinate job worker, restarting it by itself after the database went away."

    def add_arguments(self, parser):
        parser.add_argument("queues", nargs="*", help="queues to work on (default: all)")
        parser.add_argument("--name", default="worker")
        parser.add_argument("--concurrency", type=int, default=1)
        parser.add_argument("-p", "--polling", type=float, default=5.0,
                            help="seconds between polls for jobs when no notification arrives")
        parser.add_argument("--retry-max", type=float, default=10.0,
                            help="longest pause, in seconds, between two starts while the database is away")

    def handle(self, *args, **options):
        asyncio.run(self._main(options))

    async def _main(self, options):
        from procrastinate.contrib.django import app

        stopping = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, stopping.set)
        attempt = 0
        while not stopping.is_set():
            started = loop.time()
            try:
                # A fresh pool each time: the old one may hold connections to the dead primary.
                with app.replace_connector(app.connector.get_worker_connector()) as worker_app:
                    async with worker_app.open_async():
                        log.info("job worker %s starting", options["name"])
                        run = asyncio.create_task(worker_app.run_worker_async(
                            queues=options["queues"] or None, name=options["name"],
                            concurrency=options["concurrency"], fetch_job_polling_interval=options["polling"],
                            install_signal_handlers=False))
                        asked = asyncio.create_task(stopping.wait())
                        await asyncio.wait({run, asked}, return_when=asyncio.FIRST_COMPLETED)
                        if stopping.is_set():
                            run.cancel()  # procrastinate's graceful stop: running jobs finish first
                            with contextlib.suppress(asyncio.CancelledError):
                                await run
                            return
                        asked.cancel()
                        run.result()  # raises what stopped it, if anything did
                        log.warning("job worker %s stopped by itself", options["name"])
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # noqa: BLE001 - the database away, mostly: logged, then started again
                log.warning("job worker %s stopped: %s", options["name"],
                            " ".join(str(exc).split()) or type(exc).__name__)
            attempt = 1 if loop.time() - started > 60 else attempt + 1
            delay = min(options["retry_max"], 0.5 * 2 ** min(attempt, 8)) * (0.5 + random.random() / 2)
            log.warning("starting the job worker again in %.1f s", delay)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stopping.wait(), delay)
