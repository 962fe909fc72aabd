"""Published playlists: SMIL and manifest as real signage players read them."""

import hashlib
import re
from datetime import datetime, timedelta

import pytest
from django.utils import timezone
from lxml import etree

SMIL = "{http://www.w3.org/ns/SMIL}"
WALLCLOCK = re.compile(r"^wallclock\((.+)\)$")


def parse_wallclock(value):
    """Parse a SMIL wallclock value: an ISO 8601 time or ``R/<time>/P1D``."""
    inner = WALLCLOCK.match(value).group(1)
    if inner.startswith("R"):
        repeat, start, period = inner.split("/")
        assert re.fullmatch(r"R\d*", repeat)
        assert period == "P1D"
        inner = start
    parsed = datetime.fromisoformat(inner)
    assert parsed.tzinfo is not None
    return parsed


@pytest.fixture
def scheduled_group(make_group, make_ad, book):
    from channels.screens.models import Daypart

    group = make_group(slug="station-square")
    now = timezone.now()
    rush = Daypart.objects.create(
        group=group,
        name="晚高峰",
        start_time=datetime.strptime("17:00", "%H:%M").time(),
        end_time=datetime.strptime("19:30", "%H:%M").time(),
    )
    book(group, make_ad(title="宪法宣传周"), priority=80)
    book(
        group,
        make_ad(
            title="民法典宣传月",
            flight_start=now - timedelta(days=1),
            flight_end=now + timedelta(days=20),
        ),
        daypart=rush,
    )
    book(group, make_ad(title="防范电信诈骗"), is_emergency=True)
    return group


def test_smil_is_well_formed_with_regions_durations_and_wallclocks(
    client, scheduled_group
):
    response = client.get("/screens/station-square/playlist.smil")

    assert response.status_code == 200
    assert response["Content-Type"] == "application/smil+xml"
    document = etree.fromstring(response.content)
    assert document.tag == f"{SMIL}smil"
    regions = {r.get("regionName") for r in document.iter(f"{SMIL}region")}
    media = [
        e
        for e in document.iter()
        if e.tag in (f"{SMIL}img", f"{SMIL}video", f"{SMIL}ref")
    ]
    assert len(media) == 3
    for element in media:
        assert element.get("region") in regions
    for image in document.iter(f"{SMIL}img"):
        assert re.fullmatch(r"\d+(\.\d+)?s", image.get("dur"))
    clocks = [
        value
        for element in document.iter()
        for name in ("begin", "end")
        if (value := element.get(name)) and value.startswith("wallclock")
    ]
    assert any(
        value.startswith("wallclock(R/") and value.endswith("/P1D)") for value in clocks
    )
    assert len(clocks) >= 4
    parsed = {value: parse_wallclock(value) for value in clocks}
    daily = [v for v in parsed if "R/" in v]
    assert {parsed[v].strftime("%H:%M") for v in daily} == {"17:00", "19:30"}
    root_layout = document.find(f".//{SMIL}root-layout")
    assert (root_layout.get("width"), root_layout.get("height")) == ("1920", "1080")


def test_emergency_sits_in_the_top_priority_class(client, scheduled_group):
    document = etree.fromstring(
        client.get("/screens/station-square/playlist.smil").content
    )

    excl = document.find(f"{SMIL}body/{SMIL}excl")
    classes = excl.findall(f"{SMIL}priorityClass")
    assert len(classes) == 2
    urgent_titles = [e.get("title") for e in classes[0].iter(f"{SMIL}img")]
    loop_titles = [e.get("title") for e in classes[1].iter(f"{SMIL}img")]
    assert urgent_titles == ["防范电信诈骗"]
    assert set(loop_titles) == {"宪法宣传周", "民法典宣传月"}
    assert classes[0].get("higher") == "stop" and classes[1].get("higher") == "pause"


def test_portrait_smil_uses_portrait_canvas_and_media(client, scheduled_group):
    landscape = etree.fromstring(
        client.get("/screens/station-square/playlist.smil").content
    )
    portrait = etree.fromstring(
        client.get("/screens/station-square/playlist.smil?orientation=portrait").content
    )

    layout = portrait.find(f".//{SMIL}root-layout")
    assert (layout.get("width"), layout.get("height")) == ("1080", "1920")
    sources = lambda doc: [e.get("src") for e in doc.iter(f"{SMIL}img")]  # noqa: E731
    assert set(sources(landscape)).isdisjoint(sources(portrait))


@pytest.mark.parametrize("url", ["playlist.smil", "manifest.json"])
def test_head_equals_get_and_conditional_get_answers_304(client, scheduled_group, url):
    path = f"/screens/station-square/{url}"
    got = client.get(path)
    head = client.head(path)

    assert head.status_code == 200
    for name in ("ETag", "Last-Modified", "Content-Length", "Content-Type"):
        assert head[name] == got[name], name
    assert int(got["Content-Length"]) == len(got.content)
    assert head.content == b""

    by_etag = client.get(path, HTTP_IF_NONE_MATCH=got["ETag"])
    by_date = client.get(path, HTTP_IF_MODIFIED_SINCE=got["Last-Modified"])
    assert by_etag.status_code == 304 and by_etag.content == b""
    assert by_date.status_code == 304
    assert by_etag["ETag"] == got["ETag"]


def test_new_booking_changes_version_and_etag(client, scheduled_group, make_ad, book):
    before = client.get("/screens/station-square/manifest.json")

    book(scheduled_group, make_ad(title="新的一期"))
    after = client.get(
        "/screens/station-square/manifest.json", HTTP_IF_NONE_MATCH=before["ETag"]
    )

    assert after.status_code == 200
    assert after["ETag"] != before["ETag"]
    assert after.json()["version"].split(".")[0] == str(
        int(before.json()["version"].split(".")[0]) + 1
    )


def test_media_urls_are_content_hashed_and_immutable(client, scheduled_group):
    manifest = client.get("/screens/station-square/manifest.json").json()
    item = manifest["loop"][0]

    for orientation in ("landscape", "portrait"):
        ref = item["media"][orientation]
        response = client.get(f"/screens/media/{ref['name']}")
        body = b"".join(response.streaming_content)
        assert hashlib.sha256(body).hexdigest() == ref["sha256"]
        assert ref["name"].startswith(ref["sha256"])
        assert "immutable" in response["Cache-Control"]


def test_unknown_group_is_404(client, db):
    assert client.get("/screens/nowhere/playlist.smil").status_code == 404
