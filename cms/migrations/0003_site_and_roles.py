"""Create the home page, the column index and the editorial roles (groups)."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

ROLES = ["编辑", "自媒体创作者", "初审", "复审", "终审", "渠道发布", "屏幕运维"]


def ensure_permissions(apps):
    # wagtailadmin creates its access_admin permission in its own migration.
    for label in ("cms", "media_pipeline", "wagtailimages",
                  "wagtaildocs", "wagtailcore"):
        config = apps.get_app_config(label)
        config.models_module = True
        create_permissions(config, apps=apps, verbosity=0)
        config.models_module = None


def perm(apps, app_label, codename):
    Permission = apps.get_model("auth", "Permission")
    ContentType = apps.get_model("contenttypes", "ContentType")
    action, _, model = codename.partition("_")
    if action in {"publish", "lock", "unlock"} and app_label == "cms":
        # Wagtail adds these snippet permissions only after all migrations.
        content_type = ContentType.objects.get(app_label=app_label, model=model)
        permission, _ = Permission.objects.get_or_create(
            content_type=content_type,
            codename=codename,
            defaults={"name": f"Can {action} {model}"},
        )
        return permission
    return Permission.objects.get(content_type__app_label=app_label, codename=codename)


def create_site(apps):
    ContentType = apps.get_model("contenttypes", "ContentType")
    Page = apps.get_model("wagtailcore", "Page")
    Site = apps.get_model("wagtailcore", "Site")
    HomePage = apps.get_model("cms", "HomePage")
    ColumnIndexPage = apps.get_model("cms", "ColumnIndexPage")
    Locale = apps.get_model("wagtailcore", "Locale")

    if HomePage.objects.exists():
        return HomePage.objects.first()
    locale = Locale.objects.first() or Locale.objects.create(language_code="zh-hans")
    Page.objects.filter(depth=2, slug="home").delete()
    home_type, _ = ContentType.objects.get_or_create(app_label="cms", model="homepage")
    index_type, _ = ContentType.objects.get_or_create(
        app_label="cms", model="columnindexpage"
    )
    root = Page.objects.get(depth=1)
    home = HomePage.objects.create(
        title="普法",
        draft_title="普法",
        slug="home",
        content_type=home_type,
        path=f"{root.path}0001",
        depth=2,
        numchild=1,
        url_path="/home/",
        locale=locale,
        live=True,
        intro="法治宣传教育全媒体平台",
    )
    ColumnIndexPage.objects.create(
        title="专栏",
        draft_title="专栏",
        slug="columns",
        content_type=index_type,
        path=f"{home.path}0001",
        depth=3,
        numchild=0,
        url_path="/home/columns/",
        locale=locale,
        live=True,
    )
    root.numchild = Page.objects.filter(depth=2).count()
    root.save(update_fields=["numchild"])
    Site.objects.all().delete()
    Site.objects.create(hostname="localhost", port=80, root_page_id=home.id,
                        is_default_site=True, site_name="普法")
    return home


def create_roles(apps, home):
    Group = apps.get_model("auth", "Group")
    GroupPagePermission = apps.get_model("wagtailcore", "GroupPagePermission")
    GroupCollectionPermission = apps.get_model("wagtailcore", "GroupCollectionPermission")
    Collection = apps.get_model("wagtailcore", "Collection")
    Page = apps.get_model("wagtailcore", "Page")

    access_admin = perm(apps, "wagtailadmin", "access_admin")
    root_collection = Collection.objects.get(depth=1)
    columns = Page.objects.get(path=f"{home.path}0001")

    # Wagtail's English default groups are replaced by the roles below.
    Group.objects.filter(name__in=["Moderators", "Editors"]).delete()
    groups = {}
    for name in ROLES:
        group, _ = Group.objects.get_or_create(name=name)
        group.permissions.add(access_admin)
        groups[name] = group

    editor = groups["编辑"]
    for codename in ("add_page", "change_page", "publish_page", "lock_page", "unlock_page"):
        GroupPagePermission.objects.get_or_create(
            group=editor, page_id=home.id, permission=perm(apps, "wagtailcore", codename)
        )
    for model in ("publicservicead", "legaltopic", "audience", "campaign"):
        for action in ("add", "change", "delete"):
            codename = f"{action}_{model}"
            editor.permissions.add(perm(apps, "cms", codename))
    for codename in ("publish_publicservicead", "lock_publicservicead",
                     "unlock_publicservicead"):
        editor.permissions.add(perm(apps, "cms", codename))
    for codename in ("add_video", "change_video"):
        editor.permissions.add(perm(apps, "media_pipeline", codename))

    creator = groups["自媒体创作者"]
    # "add" lets a creator create pages and edit only the ones they own; it
    # never lets them publish or unpublish.
    GroupPagePermission.objects.get_or_create(
        group=creator, page_id=columns.id, permission=perm(apps, "wagtailcore", "add_page")
    )
    creator.permissions.add(perm(apps, "media_pipeline", "add_video"))

    for group, app_label, model, actions in (
        (editor, "wagtailimages", "image", ("add", "change", "choose")),
        (editor, "wagtaildocs", "document", ("add", "change", "choose")),
        (creator, "wagtailimages", "image", ("add", "choose")),
    ):
        for action in actions:
            GroupCollectionPermission.objects.get_or_create(
                group=group,
                collection=root_collection,
                permission=perm(apps, app_label, f"{action}_{model}"),
            )


def forwards(apps, schema_editor):
    ensure_permissions(apps)
    home = create_site(apps)
    create_roles(apps, home)


class Migration(migrations.Migration):
    dependencies = [
        ("cms", "0002_editorial_model"),
        ("wagtailcore", "0098_apitoken"),
        ("wagtailadmin", "0001_create_admin_access_permissions"),
        ("wagtailimages", "0027_image_description"),
        ("wagtaildocs", "0014_alter_document_file_size"),
        ("media_pipeline", "0001_initial"),
    ]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
