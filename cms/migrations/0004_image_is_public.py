"""Images become private until approved.

Until now image originals and renditions were written to the public storage.
Django's default storage is now the private one: this copies every original
and rendition there (the public copies stay, so live pages keep working) and
marks the images that had public renditions as public. Run
``manage.py pufa_images sync`` afterwards to withdraw the public copies of
images no live item uses.
"""

from django.core.files import File
from django.core.files.storage import storages
from django.db import migrations, models


def copy_files_to_private(apps, schema_editor):
    Image = apps.get_model("cms", "PufaImage")
    Rendition = apps.get_model("cms", "PufaRendition")
    if not Image.objects.exists():
        return
    public, private = storages["public"], storages["private"]
    if public is private:
        return

    def copy(name):
        if not name or private.exists(name) or not public.exists(name):
            return False
        with public.open(name, "rb") as handle:
            private.save(name, File(handle, name=name.rsplit("/", 1)[-1]))
        return True

    for name in Image.objects.values_list("file", flat=True):
        copy(name)
    had_public = set()
    for image_id, name in Rendition.objects.values_list("image_id", "file"):
        copy(name)
        if public.exists(name):
            had_public.add(image_id)
    Image.objects.filter(pk__in=had_public).update(is_public=True)


class Migration(migrations.Migration):
    dependencies = [
        ("cms", "0003_site_and_roles"),
    ]

    operations = [
        migrations.AddField(
            model_name="pufaimage",
            name="is_public",
            field=models.BooleanField(
                default=False,
                editable=False,
                help_text="由已发布的稿件使用时为真；此时其缩略图可公开访问。",
                verbose_name="已公开",
            ),
        ),
        migrations.RunPython(copy_files_to_private, migrations.RunPython.noop),
    ]
