from django.core.management.base import BaseCommand

from cms.media_publishing import sync_public_images


class Command(BaseCommand):
    help = (
        "Image visibility. `sync`: make public exactly the images that live "
        "items use and withdraw every other public copy (after an upgrade, or "
        "to repair a failed promotion)."
    )

    def add_arguments(self, parser):
        parser.add_argument("action", choices=["sync"])

    def handle(self, *args, action, **options):
        counts = sync_public_images()
        self.stdout.write(
            f"public images {counts['public']}, withdrawn {counts['private']}"
        )
