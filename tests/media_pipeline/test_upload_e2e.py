"""The upload widget in Chromium: progress, resume after a reload, job progress."""

import re

import pytest

from media_pipeline.models import Video, VideoStatus
from tests.browser import ARTIFACTS

from .conftest import drain

PASSWORD = "pw-Pufa-2026"




def _shot(page, name):
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"media-{name}.png"), full_page=True)


@pytest.mark.e2e
@pytest.mark.django_db(transaction=True)
def test_upload_resumes_after_reload_and_shows_processing_progress(
    browser, live_server, make_user, clips, settings
):
    from django.contrib.auth.models import Permission

    settings.PUFA_MEDIA_UPLOAD_CHUNK_BYTES = 32 * 1024
    user = make_user("editor_wang", is_staff=True)
    user.user_permissions.add(
        *Permission.objects.filter(codename__in=["add_video", "access_admin"])
    )
    page = browser.new_context(
        viewport={"width": 390, "height": 844}, locale="zh-CN"
    ).new_page()
    page.goto(f"{live_server.url}/admin/login/")
    page.fill("#id_username", user.username)
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(re.compile(r".*/admin/$"))
    page.goto(f"{live_server.url}/admin/media-pipeline/upload/")
    assert page.get_by_text("还没有视频").is_visible()

    # The line drops after three chunks: every later chunk fails.
    sent = []

    def flaky(route, request):
        if request.method == "PATCH":
            sent.append(int(request.headers["upload-offset"]))
            if len(sent) > 3:
                return route.abort()
        return route.continue_()

    page.route(re.compile(r".*/pipeline/uploads/.*"), flaky)
    page.set_input_files(".pufa-upload__file", str(clips["vertical"]))
    page.wait_for_function(
        "document.querySelector('.pufa-upload__status').textContent.includes('重试')"
    )
    _shot(page, "upload-interrupted")
    page.unroute(re.compile(r".*/pipeline/uploads/.*"))
    offset_before_reload = Video.objects.get().upload.offset
    assert offset_before_reload == 3 * 32 * 1024

    page.reload()
    assert page.locator(".pufa-upload__hint").is_visible()
    resumed = []
    page.on(
        "request",
        lambda request: (
            request.method == "PATCH"
            and resumed.append(int(request.headers["upload-offset"]))
        ),
    )
    page.set_input_files(".pufa-upload__file", str(clips["vertical"]))
    page.wait_for_function(
        "document.querySelector('.pufa-upload__status').textContent.includes('检测中')",
        timeout=60_000,
    )
    assert resumed[0] == offset_before_reload

    # The worker runs while the page is away (SQLite's shared in-memory test
    # database does not take concurrent writers); coming back, the widget picks
    # up the processing state it kept and shows the finished jobs.
    page.goto("about:blank")
    drain()
    page.goto(f"{live_server.url}/admin/media-pipeline/upload/")
    page.wait_for_function(
        "document.querySelector('.pufa-upload__status').textContent.includes('可用')",
        timeout=60_000,
    )
    _shot(page, "upload-ready")

    video = Video.objects.get()
    assert video.status == VideoStatus.READY
    bars = page.locator(".pufa-upload__jobs [role=progressbar]")
    assert bars.count() == 3
    assert bars.first.get_attribute("aria-valuenow") == "100"
