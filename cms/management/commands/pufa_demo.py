"""Load Pufa's demo content and accounts (idempotent; never in production)."""

import importlib
import secrets

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from cms.models import User


def demo_password(name):
    """Return the demo password for ``name``, created once and kept under var/."""
    path = settings.VAR_DIR / "demo-passwords" / name
    if path.exists():
        return path.read_text().strip()
    path.parent.mkdir(parents=True, exist_ok=True)
    password = "pufa-" + secrets.token_urlsafe(9)
    path.write_text(password)
    path.chmod(0o600)
    return password


# Each app adds its demo through ``<app>/demo.py: load_demo(command)``, in this
# order (content first, then media, moderation and channel destinations).
DEMO_MODULES = [
    "cms.demo",
    "media_pipeline.demo",
    "moderation.demo",
    "channels.demo",
    "channels.wechat.demo",
    "channels.screens.demo",
]


class Command(BaseCommand):
    help = "Create demo content and one account per role; print their logins."

    def handle(self, *args, **options):
        if settings.PRODUCTION:
            raise CommandError("pufa_demo 仅用于演示环境，生产配置下不可运行。")
        password = demo_password("admin")
        admin, created = User.objects.get_or_create(
            username="admin",
            defaults={"is_superuser": True, "is_staff": True, "display_name": "管理员"},
        )
        admin.set_password(password)
        admin.save()
        for module_name in DEMO_MODULES:
            try:
                module = importlib.import_module(module_name)
            except ModuleNotFoundError as error:
                if error.name != module_name:
                    raise
                continue
            module.load_demo(self)
        self.stdout.write(
            f"管理员账号：admin / {password}  后台：{settings.WAGTAILADMIN_BASE_URL}/admin/"
        )
