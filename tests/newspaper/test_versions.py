"""Every package the newspaper gets of an item is a new version of its guid.

Publish, correction, retraction and a publish after the retraction run through
the outbox with real delivery rows; each document is validated with xmlschema.
"""

import pytest
from lxml import etree

from channels import outbox
from channels.models import Delivery, Destination
from channels.newspaper.newsml import NAR
from channels.services import retract_item

from .conftest import assert_valid


@pytest.fixture
def paper(tmp_path):
    return Destination.objects.create(
        channel="newspaper",
        name="法治日报",
        slug="fzrb",
        # Automatic, so every approved revision is queued without curation.
        policy="automatic",
        config={"hot_folder": str(tmp_path / "hot")},
    )


def status_of(path, newsml_schema, nitf_schema):
    document = assert_valid(path.read_bytes(), newsml_schema, nitf_schema)
    pub_status = document.find(f"{{{NAR}}}itemMeta/{{{NAR}}}pubStatus")
    return int(document.get("version")), pub_status.get("qcode")


def make_video(make_column):
    from cms.models import VideoPage

    video = VideoPage(
        title="一分钟读懂劳动合同",
        slug="labour-contract",
        description="<p>试用期最长六个月。</p>",
        transcript="第一句。\n第二句。",
        byline="普法短视频组",
        to_newspaper=True,
    )
    make_column().add_child(instance=video)
    return video


def make_ad(make_image):
    from cms.models import PublicServiceAd, PublicServiceAdVariant

    ad = PublicServiceAd.objects.create(
        title="尊法学法守法用法",
        slogan="法治让生活更美好",
        issuing_unit="市司法局",
        to_newspaper=True,
        live=False,
    )
    PublicServiceAdVariant.objects.create(ad=ad, format="portrait", image=make_image())
    return ad


def correct(item, user):
    item.refresh_from_db()
    item.correction_note = "更正了发布单位名称。"
    item.save_revision(user=user).publish(user=user)


def publish(item, user):
    item.refresh_from_db()
    item.save_revision(user=user).publish(user=user)


@pytest.mark.django_db
@pytest.mark.parametrize("kind", ["article", "video", "ad"])
def test_publish_after_retraction_is_the_next_version_of_the_same_guid(
    kind,
    paper,
    tmp_path,
    make_article,
    make_column,
    make_image,
    admin_user,
    newsml_schema,
    nitf_schema,
):
    if kind == "article":
        item = make_article(byline="记者 张三", to_newspaper=True, publish=False)
    elif kind == "video":
        item = make_video(make_column)
    else:
        item = make_ad(make_image)

    publish(item, admin_user)
    outbox.run_once(limit=10)
    correct(item, admin_user)
    outbox.run_once(limit=10)
    retract_item(item, user=admin_user, reason="事实有误")
    outbox.run_once(limit=10)
    publish(item, admin_user)
    outbox.run_once(limit=10)

    hot = tmp_path / "hot"
    stem = f"pufa-{item.item_kind}-{item.pk}"
    documents = sorted(hot.glob(f"{stem}-v*.xml"))
    assert [status_of(p, newsml_schema, nitf_schema) for p in documents] == [
        (1, "stat:usable"),
        (2, "stat:usable"),
        (3, "stat:canceled"),
        (4, "stat:usable"),
    ]
    guids = {etree.parse(str(p)).getroot().get("guid") for p in documents}
    assert guids == {f"urn:newsml:pufa:{item.item_kind}:{item.pk}"}
    rows = Delivery.objects.for_item(item).order_by("sequence")
    assert [(r.action, r.state, r.receipt["version"]) for r in rows] == [
        ("publish", "revoked", 1),
        ("update", "revoked", 2),
        ("retract", "delivered", 3),
        ("publish", "delivered", 4),
    ]
    assert not [p for p in hot.iterdir() if p.name.startswith(".")]
