"""Editors see no English in the admin: locale/zh_Hans completes Wagtail's catalogue.

Wagtail 8.0.1's zh_Hans catalogues miss the strings added in recent releases;
the project's own catalogue (LOCALE_PATHS, searched first) supplies them. The
checks read the text a person sees: element text plus the placeholder, title,
aria-label and alt attributes, without scripts and styles.
"""

import json
import re
from html.parser import HTMLParser

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db

# Names and abbreviations that stay in Latin letters in the Chinese admin.
ALLOWED_WORDS = {
    "Wagtail",
    "Pufa",
    "RSS",
    "URL",
    "API",
    "HTML",
    "ID",
    "JavaScript",
    "Ctrl",
    "Alt",
    "Shift",
    "Cmd",
    "Enter",
}
# Limitation: Wagtail's own data migration creates a task and a workflow named
# "Moderators approval"; moderation deactivates them but the workflow reports
# still list them as filter choices. They are database rows, not catalogue
# strings, so renaming them is left to a data migration.
DATA_NAMES = {"Moderators approval"}

# English the Chinese admin showed before locale/zh_Hans existed.
SEEN_UNTRANSLATED = [
    "Pages created in",
    "Images created in",
    "Documents created in",
    "Search all pages",
    "editor guide",
    "Keyboard shortcuts are currently enabled",
    "Toggle minimap",
    "Show keyboard shortcuts",
    "JavaScript is required to use Wagtail",
    "Edit account avatar",
    "Date updated",
    "Edited by",
    "Has child pages",
    "Page type",
    "Anyone can edit this",
    "Choose who can view the live version",
    "Schedule to publish",
    "Choose when this page should go live",
    "Content metrics",
    "Reading time",
    "Autosave is paused",
    "View latest version",
    "A network error occurred",
    "To be created by",
    "Grid layout",
    "List layout",
    "Usage count",
    "There are no",
    "Why not add one",
    "Theme preferences",
    "Use server language",
    "Show disabled",
    "Sort by",
    "By task",
    "By workflow",
    "Locked by",
    "Is commenting action",
]

_VISIBLE_ATTRIBUTES = {"placeholder", "title", "aria-label", "alt"}
_ENGLISH_RUN = re.compile(r"[A-Za-z][A-Za-z'’-]*(?:\s+[A-Za-z][A-Za-z'’-]*)+")
_WORD = re.compile(r"[A-Za-z][A-Za-z'’-]*")


class _VisibleText(HTMLParser):
    def __init__(self):
        super().__init__()
        self.hidden = 0
        self.parts = []

    def handle_starttag(self, tag, attrs):
        if tag in ("script", "style"):
            self.hidden += 1
        self.parts.extend(
            value for name, value in attrs if name in _VISIBLE_ATTRIBUTES and value
        )

    def handle_endtag(self, tag):
        if tag in ("script", "style"):
            self.hidden -= 1

    def handle_data(self, data):
        if not self.hidden:
            self.parts.append(data)


def visible_text(html):
    """Return the text of ``html`` a person can read, chunks split by " | "."""
    parser = _VisibleText()
    parser.feed(html)
    # Words of separate chunks (an attribute, a heading, a button) are no phrase.
    return " | ".join(parser.parts)


def english_runs(text):
    """Return the runs of two or more English words, allowed names left out."""
    for name in DATA_NAMES:
        text = text.replace(name, "|")
    text = _WORD.sub(lambda m: "|" if m.group() in ALLOWED_WORDS else m.group(), text)
    return sorted({" ".join(run.split()) for run in _ENGLISH_RUN.findall(text)})


def fetch_text(user, url):
    client = Client()
    client.force_login(user)
    response = client.get(url)
    assert response.status_code == 200, url
    return visible_text(response.content.decode())


@pytest.fixture
def editor(make_user):
    return make_user("bianji", groups=["编辑"])


@pytest.fixture
def superuser(make_user):
    return make_user("root", is_superuser=True, is_staff=True)


@pytest.fixture
def article(make_article):
    return make_article()


@pytest.fixture
def editor_urls(article):
    column = article.get_parent()
    return [
        "/admin/",
        f"/admin/pages/{column.get_parent().pk}/",
        f"/admin/pages/{column.pk}/",
        f"/admin/pages/{article.pk}/edit/",
        f"/admin/pages/{article.pk}/history/",
        f"/admin/pages/add/cms/articlepage/{column.pk}/",
        "/admin/pages/search/?q=居住权",
        "/admin/images/",
        "/admin/documents/",
        "/admin/snippets/cms/publicservicead/",
        "/admin/snippets/cms/publicservicead/add/",
        "/admin/account/",
    ]


SUPERUSER_URLS = [
    "/admin/pages/",
    "/admin/workflows/list/",
    "/admin/workflows/tasks/index/",
    "/admin/reports/workflow/",
    "/admin/reports/workflow_tasks/",
    "/admin/reports/locked/",
    "/admin/reports/site-history/",
]


def assert_chinese(user, urls):
    english = {}
    for url in urls:
        text = fetch_text(user, url)
        runs = english_runs(text)
        runs += [phrase for phrase in SEEN_UNTRANSLATED if phrase in text]
        if runs:
            english[url] = runs
    assert english == {}


def test_editor_sees_no_english_on_the_pages_they_use(editor, editor_urls):
    assert_chinese(editor, editor_urls)


def test_superuser_sees_no_english_on_workflow_and_report_screens(superuser):
    assert_chinese(superuser, SUPERUSER_URLS)


def test_reviewer_sees_an_item_in_review_in_chinese(editor, article, make_user):
    reviewer = make_user("chushen", groups=["初审"])
    article.get_workflow().start(article, editor)

    assert_chinese(reviewer, ["/admin/", f"/admin/pages/{article.pk}/edit/"])
    assert_chinese(editor, ["/admin/", f"/admin/pages/{article.pk}/edit/"])


def test_dashboard_counts_and_guide_link_are_chinese(editor):
    text = fetch_text(editor, "/admin/")

    assert "个页面" in text
    assert "搜索所有页面" in text
    assert "编辑指南" in text


def test_javascript_catalogue_translates_the_editor_strings(editor):
    client = Client()
    client.force_login(editor)
    script = client.get("/admin/jsi18n/").content.decode()
    catalogue = json.loads(re.search(r"const newcatalog = (\{.*?\});", script, re.S)[1])

    assert catalogue["Insert a block"] == "插入区块"
    assert catalogue["Autosave in progress…"] == "正在自动保存…"
    assert catalogue["%(num)s error"] == ["%(num)s 个错误"]


def test_checker_finds_english_without_the_project_catalogue(
    editor, settings, tmp_path
):
    settings.LOCALE_PATHS = [tmp_path]

    text = fetch_text(editor, "/admin/")

    assert "Search all pages" in english_runs(text)
