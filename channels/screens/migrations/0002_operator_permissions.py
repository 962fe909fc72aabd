"""Give the 屏幕运维 role the permissions to manage screens."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

MODELS = ["screengroup", "daypart", "playlistentry", "screendevice"]


def grant(apps, schema_editor):
    app_config = apps.get_app_config("screens")
    app_config.models_module = True
    create_permissions(app_config, verbosity=0)
    app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    group, _ = Group.objects.get_or_create(name="屏幕运维")
    wanted = Permission.objects.filter(
        content_type__app_label="screens", content_type__model__in=MODELS
    )
    group.permissions.add(*wanted)
    admin = Permission.objects.filter(
        content_type__app_label="wagtailadmin", codename="access_admin"
    )
    group.permissions.add(*admin)


class Migration(migrations.Migration):
    dependencies = [
        ("screens", "0001_initial"),
        ("cms", "0003_site_and_roles"),
        ("wagtailadmin", "0001_create_admin_access_permissions"),
    ]

    operations = [migrations.RunPython(grant, migrations.RunPython.noop)]
