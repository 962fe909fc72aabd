import signal
import time

from django.core.management.base import BaseCommand

from cms import scheduler


class Command(BaseCommand):
    help = "Run Pufa's periodic jobs (scheduled publishing, reapers, retries)."

    def add_arguments(self, parser):
        parser.add_argument("--once", action="store_true", help="Run due jobs once and exit.")
        parser.add_argument("--tick", type=float, default=1.0, help="Seconds between checks.")

    def handle(self, *args, once=False, tick=1.0, **options):
        if once:
            for name in scheduler.run_due_jobs():
                self.stdout.write(f"ran {name}")
            return

        stopping = False

        def stop(signum, frame):
            nonlocal stopping
            stopping = True

        signal.signal(signal.SIGTERM, stop)
        signal.signal(signal.SIGINT, stop)
        leadership = scheduler.Leadership()
        jobs = ",".join(sorted(scheduler.registered_jobs()))
        self.stdout.write(f"scheduler started jobs={jobs}")
        try:
            while not stopping:
                # Checked every round: a dropped connection took the lock along.
                if leadership.check():
                    scheduler.run_due_jobs()
                time.sleep(tick)
        finally:
            leadership.close()
