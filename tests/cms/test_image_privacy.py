"""Images stay private until an item using them is approved (DESIGN §4.1)."""

import io
import re
from pathlib import Path

import pytest
from django.contrib.auth.models import Permission
from django.core.files.images import ImageFile
from django.test import Client
from PIL import Image

from media_pipeline import private_files

pytestmark = pytest.mark.django_db


def _png(size=(800, 600), colour=(30, 90, 160)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, colour).save(buffer, "PNG")
    return buffer.getvalue()


@pytest.fixture
def image(db):
    from cms.models import PufaImage

    return PufaImage.objects.create(
        title="宪法宣传周海报",
        file=ImageFile(io.BytesIO(_png()), name="poster.png"),
    )


@pytest.fixture
def staff(make_user):
    user = make_user()
    user.user_permissions.add(Permission.objects.get(codename="access_admin"))
    client = Client()
    client.force_login(user)
    return client


def _files(root) -> list[str]:
    root = Path(root)
    return sorted(
        p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file()
    )


def _body(response) -> bytes:
    if response.streaming:
        return b"".join(response.streaming_content)
    return response.content


def _image_sources(html: str) -> list[str]:
    return re.findall(r'<img[^>]+src="([^"]+)"', html)


def test_an_unapproved_image_is_only_in_private_storage(image, settings, client, staff):
    rendition = image.get_rendition("width-400")

    assert _files(settings.PUBLIC_MEDIA_ROOT) == []
    assert image.file.name in _files(settings.PRIVATE_MEDIA_ROOT)
    assert rendition.file.name in _files(settings.PRIVATE_MEDIA_ROOT)
    # The URL is a signed link, not a path under the public /media/ folder.
    assert rendition.url.startswith("/pipeline/files/")
    assert client.get(f"/media/{rendition.file.name}").status_code == 404
    assert client.get(f"/media/{image.file.name}").status_code == 404

    anonymous = client.get(rendition.url)
    assert anonymous.status_code == 403
    assert "没有权限" in anonymous.content.decode()

    seen = staff.get(rendition.url)
    assert seen.status_code == 200
    assert seen["Content-Type"] == "image/png"
    assert "private" in seen["Cache-Control"]
    assert Image.open(io.BytesIO(_body(seen))).size == (400, 300)


def test_signed_links_expire_and_cannot_be_forged(image, staff, settings):
    name = image.get_rendition("width-400").file.name
    window = settings.PUFA_MEDIA_SIGNED_URL_SECONDS

    stale = private_files.sign(name, now=1_000_000)
    expired = staff.get(f"/pipeline/files/{stale}")
    assert expired.status_code == 403 and "过期" in expired.content.decode()

    fresh = private_files.sign(name)
    assert private_files.unsign(fresh) == name
    # The same link is handed out for a while, so browsers can cache it...
    assert private_files.sign(name) == fresh
    # ...and it dies within two windows.
    with pytest.raises(private_files.signing.SignatureExpired):
        private_files.unsign(fresh, now=__import__("time").time() + 2 * window + 1)

    forged = fresh.replace(fresh.split(":")[0], "eyJuIjoiLi4vLi4vZXRjL3Bhc3N3ZCJ9")
    assert staff.get(f"/pipeline/files/{forged}").status_code == 404
    escape = private_files.sign("../../../../etc/passwd")
    assert staff.get(f"/pipeline/files/{escape}").status_code == 404


def test_a_user_without_admin_access_cannot_open_private_files(image, make_user):
    rendition = image.get_rendition("width-400")
    reader = Client()
    reader.force_login(make_user())

    assert reader.get(rendition.url).status_code == 403


def test_approval_makes_the_images_public_and_retraction_withdraws_them(
    image, make_article, settings, client, django_capture_on_commit_callbacks
):
    preview_rendition = image.get_rendition("max-165x165")  # the admin's thumbnail
    article = make_article(publish=False, cover_image=image)

    with django_capture_on_commit_callbacks(execute=True):
        article.save_revision().publish()
    image.refresh_from_db()
    assert image.is_public

    page = client.get(article.url)
    sources = _image_sources(page.content.decode())
    assert sources, "the article shows its cover"
    for src in sources:
        assert src.startswith("/media/"), src
        response = client.get(src)
        assert response.status_code == 200
        Image.open(io.BytesIO(_body(response))).verify()
    public = _files(settings.PUBLIC_MEDIA_ROOT)
    assert preview_rendition.file.name in public
    # The original is never published; channels get renditions.
    assert image.file.name not in public

    with django_capture_on_commit_callbacks(execute=True):
        article.refresh_from_db()
        article.unpublish()

    image.refresh_from_db()
    assert not image.is_public
    assert not [
        name for name in _files(settings.PUBLIC_MEDIA_ROOT) if "images/" in name
    ]
    for src in sources:
        assert client.get(src).status_code == 404


def test_an_image_shared_with_another_live_item_stays_public(
    image, make_article, client, django_capture_on_commit_callbacks
):
    first = make_article(publish=False, cover_image=image)
    second = make_article(publish=False, cover_image=image)
    for article in (first, second):
        with django_capture_on_commit_callbacks(execute=True):
            article.save_revision().publish()

    with django_capture_on_commit_callbacks(execute=True):
        first.refresh_from_db()
        first.unpublish()

    image.refresh_from_db()
    assert image.is_public
    src = _image_sources(client.get(second.url).content.decode())[0]
    assert client.get(src).status_code == 200


def test_a_new_size_of_a_public_image_is_public_at_once(
    image, make_article, client, django_capture_on_commit_callbacks
):
    article = make_article(publish=False, cover_image=image)
    with django_capture_on_commit_callbacks(execute=True):
        article.save_revision().publish()
    image.refresh_from_db()

    rendition = image.get_rendition("fill-321x123")

    assert rendition.url.startswith("/media/")
    assert client.get(rendition.url).status_code == 200


def test_images_in_a_draft_of_a_live_article_stay_private(
    image, make_article, make_user, client, django_capture_on_commit_callbacks
):
    from cms.models import PufaImage

    article = make_article()
    draft_image = PufaImage.objects.create(
        title="草稿配图",
        file=ImageFile(io.BytesIO(_png(colour=(200, 0, 0))), name="draft.png"),
    )
    article.cover_image = draft_image
    with django_capture_on_commit_callbacks(execute=True):
        article.save_revision()  # not published

    draft_image.refresh_from_db()
    assert not draft_image.is_public
    assert draft_image.get_rendition("width-960").url.startswith("/pipeline/files/")


def test_sync_withdraws_public_copies_that_no_live_item_uses(image, settings):
    from django.core.files.base import ContentFile
    from django.core.files.storage import storages
    from django.core.management import call_command

    # As written before images were private: the original and a rendition in
    # the public folder, the image not used by any live item.
    rendition = image.get_rendition("width-400")
    public = storages["public"]
    public.save(image.file.name, ContentFile(b"old public original"))
    public.save(rendition.file.name, ContentFile(b"old public rendition"))
    type(image).objects.filter(pk=image.pk).update(is_public=True)

    out = io.StringIO()
    call_command("pufa_images", "sync", stdout=out)

    assert "withdrawn 1" in out.getvalue()
    assert _files(settings.PUBLIC_MEDIA_ROOT) == []
    image.refresh_from_db()
    assert not image.is_public


def test_admin_image_upload_refuses_a_file_that_does_not_decode(make_user):
    from cms.models import PufaImage

    editor = make_user(is_superuser=True, is_staff=True)
    client = Client()
    client.force_login(editor)
    truncated = _png((1200, 900))[:600]
    upload = io.BytesIO(truncated)
    upload.name = "broken.png"

    response = client.post(
        "/admin/images/add/", {"title": "损坏的图片", "file": upload}
    )

    assert response.status_code == 200  # the form again, with the error
    assert "无法读取该图片" in response.content.decode()
    assert not PufaImage.objects.filter(title="损坏的图片").exists()


def test_admin_image_upload_accepts_a_good_picture_into_private_storage(
    make_user, settings
):
    from cms.models import PufaImage

    editor = make_user(is_superuser=True, is_staff=True)
    client = Client()
    client.force_login(editor)
    upload = io.BytesIO(_png())
    upload.name = "good.png"

    response = client.post("/admin/images/add/", {"title": "普法海报", "file": upload})

    assert response.status_code == 302
    stored = PufaImage.objects.get(title="普法海报")
    assert stored.file.name in _files(settings.PRIVATE_MEDIA_ROOT)
    assert _files(settings.PUBLIC_MEDIA_ROOT) == []


def test_admin_multiple_upload_refuses_a_file_that_does_not_decode(make_user):
    from cms.models import PufaImage

    editor = make_user(is_superuser=True, is_staff=True)
    client = Client()
    client.force_login(editor)
    upload = io.BytesIO(_png((1200, 900))[:600])
    upload.name = "broken.png"

    response = client.post(
        "/admin/images/multiple/add/",
        {"files[]": upload},
        headers={"x-requested-with": "XMLHttpRequest"},
    )

    assert response.status_code == 200
    result = response.json()
    assert result["success"] is False
    assert "无法读取该图片" in result["error_message"]
    assert not PufaImage.objects.exists()


# -- with S3 (moto's server mode on loopback) -----------------------------------

BUCKET = "pufa-images"


@pytest.fixture(scope="module")
def s3_endpoint():
    from moto.server import ThreadedMotoServer

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    yield f"http://{host}:{port}"
    server.stop()


@pytest.fixture
def s3(settings, s3_endpoint):
    import json

    import boto3
    from django.core.files.storage import storages

    common = {
        "bucket_name": BUCKET,
        "endpoint_url": s3_endpoint,
        "region_name": "us-east-1",
        "access_key": "testing",
        "secret_key": "testing",
        "file_overwrite": False,
    }
    private = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            **common,
            "location": "private",
            "default_acl": "private",
            "querystring_auth": True,
            "querystring_expire": 300,
        },
    }
    settings.STORAGES = {
        **settings.STORAGES,
        "default": private,
        "private": private,
        "public": {
            "BACKEND": "storages.backends.s3.S3Storage",
            "OPTIONS": {**common, "location": "public", "querystring_auth": False},
        },
    }
    storages._storages = {}
    storages._backends = None
    client = boto3.client(
        "s3",
        endpoint_url=s3_endpoint,
        region_name="us-east-1",
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )
    client.create_bucket(Bucket=BUCKET)
    policy = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": "*",
                "Action": "s3:GetObject",
                "Resource": f"arn:aws:s3:::{BUCKET}/public/*",
            }
        ],
    }
    client.put_bucket_policy(Bucket=BUCKET, Policy=json.dumps(policy))
    yield client
    for item in client.list_objects_v2(Bucket=BUCKET).get("Contents", []):
        client.delete_object(Bucket=BUCKET, Key=item["Key"])
    client.delete_bucket(Bucket=BUCKET)
    storages._storages = {}
    storages._backends = None


def _keys(client, prefix):
    response = client.list_objects_v2(Bucket=BUCKET, Prefix=prefix)
    return sorted(item["Key"] for item in response.get("Contents", []))


def test_with_s3_images_are_private_until_approval(
    s3, make_article, django_capture_on_commit_callbacks
):
    import requests

    from cms.models import PufaImage

    image = PufaImage.objects.create(
        title="S3 海报", file=ImageFile(io.BytesIO(_png()), name="s3-poster.png")
    )
    rendition = image.get_rendition("width-400")

    assert _keys(s3, "public/") == []
    assert f"private/{image.file.name}" in _keys(s3, "private/")
    signed = rendition.url
    assert "Signature" in signed
    assert requests.get(signed, timeout=30).status_code == 200
    unsigned = signed.split("?")[0]
    assert requests.get(unsigned, timeout=30).status_code == 403

    article = make_article(publish=False, cover_image=image)
    with django_capture_on_commit_callbacks(execute=True):
        article.save_revision().publish()
    image.refresh_from_db()

    public_url = image.get_rendition("width-400").url
    assert "Signature" not in public_url
    assert requests.get(public_url, timeout=30).status_code == 200
    assert f"public/{image.file.name}" not in _keys(s3, "public/")

    with django_capture_on_commit_callbacks(execute=True):
        article.refresh_from_db()
        article.unpublish()

    assert not [key for key in _keys(s3, "public/") if key.startswith("public/images/")]
    assert requests.get(public_url, timeout=30).status_code in (403, 404)


def _edit_image(client, image, **fields):
    from wagtail.models import Collection

    data = {
        "title": image.title,
        "collection": Collection.get_first_root_node().pk,
        "tags": "",
        "caption": "",
        "credit": "",
        "copyright_holder": "",
        "source": "",
        "focal_point_x": "",
        "focal_point_y": "",
        "focal_point_width": "",
        "focal_point_height": "",
        **fields,
    }
    return client.post(f"/admin/images/{image.pk}/", data)


def test_the_file_of_an_image_a_live_item_uses_cannot_be_replaced(
    image, make_article, admin_user, settings, django_capture_on_commit_callbacks
):
    from django.core.files.uploadedfile import SimpleUploadedFile

    article = make_article(publish=False, cover_image=image)
    with django_capture_on_commit_callbacks(execute=True):
        article.save_revision().publish()
    image.refresh_from_db()
    before = image.file.name
    public_before = _files(settings.PUBLIC_MEDIA_ROOT)
    editor = Client()
    editor.force_login(admin_user)

    replaced = _edit_image(
        editor,
        image,
        file=SimpleUploadedFile("swap.png", _png(colour=(250, 0, 0)), "image/png"),
    )

    assert replaced.status_code == 200  # the form again, with the reason
    assert "不能直接替换文件" in replaced.content.decode()
    image.refresh_from_db()
    assert image.file.name == before
    public_after = _files(settings.PUBLIC_MEDIA_ROOT)
    assert set(public_before) <= set(public_after)
    assert not [name for name in public_after if "swap" in name]
    assert not [
        name for name in _files(settings.PRIVATE_MEDIA_ROOT) if "swap" in name
    ]

    # Its credits can still be corrected.
    renamed = _edit_image(editor, image, credit="本报记者 李明")
    assert renamed.status_code == 302
    image.refresh_from_db()
    assert image.credit == "本报记者 李明" and image.file.name == before


def test_the_file_of_an_unpublished_image_can_be_replaced(image, admin_user):
    from django.core.files.uploadedfile import SimpleUploadedFile

    editor = Client()
    editor.force_login(admin_user)

    response = _edit_image(
        editor,
        image,
        file=SimpleUploadedFile("swap.png", _png((640, 480)), "image/png"),
    )

    assert response.status_code == 302
    image.refresh_from_db()
    assert (image.width, image.height) == (640, 480)
