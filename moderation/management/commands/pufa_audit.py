"""``manage.py pufa_audit verify``: check the audit log's hash chain."""

from django.core.management.base import BaseCommand, CommandError

from moderation.audit import verify_chain


class Command(BaseCommand):
    help = "Verify the audit log's hash chain: 'intact' or the first broken entry."

    def add_arguments(self, parser):
        parser.add_argument("action", choices=["verify"])

    def handle(self, *args, **options):
        status = verify_chain()
        if status.intact:
            self.stdout.write(f"intact ({status.checked} entries)")
            return
        raise CommandError(
            f"broken: entry {status.broken_seq}: {status.problem}", returncode=1
        )
