"""Install the 三审三校 workflow and take direct publishing away from every group.

* Wagtail's default "Moderators approval" workflow is deactivated; the new
  workflow (自动检查 → 初审 → 复审 → 终审) covers the home page tree and
  public-service ads.
* No group keeps ``publish`` (pages or ads) or ``bulk_delete``: publishing
  happens only at sign-off; unpublishing only through an approved retraction.
* Creators lose the shared ``add`` on the column index and the root
  collection: on approval each gets a column and a collection of their own.
"""

from django.db import migrations

STEPS = [("初审", "first"), ("复审", "second"), ("终审", "final")]


def content_type(apps, app_label, model):
    ContentType = apps.get_model("contenttypes", "ContentType")
    return ContentType.objects.get_or_create(app_label=app_label, model=model)[0]


def restrict_groups(apps):
    Group = apps.get_model("auth", "Group")
    GroupPagePermission = apps.get_model("wagtailcore", "GroupPagePermission")
    GroupCollectionPermission = apps.get_model("wagtailcore", "GroupCollectionPermission")
    Permission = apps.get_model("auth", "Permission")
    Page = apps.get_model("wagtailcore", "Page")

    GroupPagePermission.objects.filter(
        permission__codename__in=["publish_page", "bulk_delete_page"]
    ).delete()
    for group in Group.objects.all():
        group.permissions.remove(
            *Permission.objects.filter(codename="publish_publicservicead")
        )
    creator = Group.objects.filter(name="自媒体创作者").first()
    if creator is not None:
        index = Page.objects.filter(depth=3, slug="columns").first()
        if index is not None:
            GroupPagePermission.objects.filter(group=creator, page=index).delete()
        GroupCollectionPermission.objects.filter(
            group=creator, collection__depth=1
        ).delete()


def install_workflow(apps):
    Group = apps.get_model("auth", "Group")
    Workflow = apps.get_model("wagtailcore", "Workflow")
    WorkflowTask = apps.get_model("wagtailcore", "WorkflowTask")
    WorkflowPage = apps.get_model("wagtailcore", "WorkflowPage")
    WorkflowContentType = apps.get_model("wagtailcore", "WorkflowContentType")
    Task = apps.get_model("wagtailcore", "Task")
    AutomatedCheckTask = apps.get_model("moderation", "AutomatedCheckTask")
    ReviewTask = apps.get_model("moderation", "ReviewTask")
    HomePage = apps.get_model("cms", "HomePage")

    if Workflow.objects.filter(name="三审三校").exists():
        return
    for old in Workflow.objects.all():
        WorkflowPage.objects.filter(workflow=old).delete()
        WorkflowContentType.objects.filter(workflow=old).delete()
        old.active = False
        old.save(update_fields=["active"])
    Task.objects.filter(name="Moderators approval").update(active=False)

    check = AutomatedCheckTask.objects.create(
        name="自动检查",
        active=True,
        content_type=content_type(apps, "moderation", "automatedchecktask"),
    )
    tasks = [check]
    review_type = content_type(apps, "moderation", "reviewtask")
    for name, step in STEPS:
        task = ReviewTask.objects.create(
            name=name, active=True, step=step, content_type=review_type
        )
        task.groups.add(Group.objects.get(name=name))
        tasks.append(task)

    workflow = Workflow.objects.create(name="三审三校", active=True)
    for order, task in enumerate(tasks):
        WorkflowTask.objects.create(workflow=workflow, task_id=task.pk, sort_order=order)
    for home in HomePage.objects.all():
        WorkflowPage.objects.create(workflow=workflow, page_id=home.pk)
    WorkflowContentType.objects.create(
        workflow=workflow, content_type=content_type(apps, "cms", "publicservicead")
    )


def forwards(apps, schema_editor):
    restrict_groups(apps)
    install_workflow(apps)


class Migration(migrations.Migration):
    dependencies = [
        ("moderation", "0001_initial"),
        ("cms", "0003_site_and_roles"),
        ("wagtailcore", "0098_apitoken"),
    ]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
