"""Start the embedded Pufa: web server, tasks worker and scheduler together."""

import os
import signal
import subprocess
import sys
import time

from django.conf import settings
from django.core.management.base import BaseCommand


def embedded_processes(bind):
    python = sys.executable
    manage = str(settings.BASE_DIR / "manage.py")
    processes = {
        "web": [
            python, "-m", "gunicorn", "cms.wsgi:application",
            "--bind", bind, "--workers", "2", "--threads", "4",
            "--access-logfile", "-", "--timeout", "120",
        ],
        "scheduler": [python, manage, "pufa_scheduler"],
    }
    if settings.TASKS["default"]["BACKEND"].startswith("django_tasks_rq"):
        processes["worker"] = [python, manage, "rqworker", "default"]
    else:
        processes["worker"] = [python, manage, "db_worker", "--interval", "0.5"]
    for name, argv in getattr(settings, "PUFA_EXTRA_PROCESSES", {}).items():
        processes[name] = [python if part == "{python}" else part for part in argv]
    return processes


class Command(BaseCommand):
    help = "Run the web server, the tasks worker and the scheduler until Ctrl-C."

    def add_arguments(self, parser):
        parser.add_argument("--bind", default=os.environ.get("PUFA_BIND", "127.0.0.1:8000"))

    def handle(self, *args, bind, **options):
        children = {}
        for name, argv in embedded_processes(bind).items():
            children[name] = subprocess.Popen(argv, cwd=settings.BASE_DIR)
            self.stdout.write(f"started {name} pid={children[name].pid}")
        self.stdout.write(self.style.SUCCESS(f"Pufa 已启动：http://{bind}/  （Ctrl-C 停止）"))

        stopping = False

        def stop(signum, frame):
            nonlocal stopping
            stopping = True

        signal.signal(signal.SIGINT, stop)
        signal.signal(signal.SIGTERM, stop)
        try:
            while not stopping:
                for name, child in children.items():
                    if child.poll() is not None:
                        self.stderr.write(f"{name} exited with {child.returncode}; stopping")
                        stopping = True
                time.sleep(0.5)
        finally:
            for child in children.values():
                if child.poll() is None:
                    child.terminate()
            deadline = time.monotonic() + 10
            for child in children.values():
                try:
                    child.wait(timeout=max(0.1, deadline - time.monotonic()))
                except subprocess.TimeoutExpired:
                    child.kill()
