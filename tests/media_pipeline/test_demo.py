"""The demo video: made, processed and attached to video pages, idempotently."""

import io

import pytest

from media_pipeline.models import Video, VideoStatus

pytestmark = pytest.mark.django_db


class _Command:
    def __init__(self):
        self.stdout = io.StringIO()


def test_demo_video_is_ready_attached_and_made_once(make_column, monkeypatch):
    from cms.models import VideoPage
    from media_pipeline import demo

    monkeypatch.setattr(demo, "DEMO_SECONDS", 2)
    page = VideoPage(title="演示视频稿件", slug="demo-video")
    make_column().add_child(instance=page)
    page.save_revision().publish()

    demo.load_demo(_Command())
    demo.load_demo(_Command())

    video = Video.objects.get()
    assert video.status == VideoStatus.READY
    assert video.outputs["screens"]["subtitles_burned"] is True
    page.refresh_from_db()
    assert page.video_id == video.pk
