"""Run a delivery worker: claim due outbox rows and deliver them, in a loop."""

import logging
import signal
import time

from django.core.management.base import BaseCommand
from django.db import close_old_connections

from channels import outbox

logger = logging.getLogger("pufa.channels.worker")


class Command(BaseCommand):
    help = "投递分发队列中到期的记录（循环运行，Ctrl-C 停止）。"

    def add_arguments(self, parser):
        parser.add_argument("--once", action="store_true", help="处理一轮后退出")
        parser.add_argument(
            "--interval", type=float, default=0.5, help="空闲时轮询间隔（秒）"
        )
        parser.add_argument(
            "--owner", default="", help="租约持有者名称（默认主机:进程号）"
        )
        parser.add_argument("--batch", type=int, default=1)

    def handle(self, *args, once, interval, owner, batch, **options):
        stopping = False

        def stop(signum, frame):
            nonlocal stopping
            stopping = True

        signal.signal(signal.SIGTERM, stop)
        signal.signal(signal.SIGINT, stop)
        owner = owner or outbox.default_owner()
        self.stdout.write(f"delivery worker started owner={owner}")
        while not stopping:
            close_old_connections()
            try:
                outbox.reap_expired_leases()
                done = outbox.run_once(owner=owner, limit=batch)
            except Exception:
                # A database hiccup must not take the worker down; the row it
                # held goes back to the queue when its lease expires.
                logger.exception("delivery worker round failed owner=%s", owner)
                close_old_connections()
                if once:
                    raise SystemExit(1) from None
                time.sleep(max(interval, 1.0))
                continue
            if done:
                self.stdout.write(f"delivered batch count={done}")
            if once:
                break
            if not done:
                time.sleep(interval)
