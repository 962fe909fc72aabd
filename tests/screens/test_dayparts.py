"""Dayparts on chosen weekdays: validation, manifest, SMIL and the admin form."""

import re
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from lxml import etree

from channels.screens.compiler import compile_group
from channels.screens.models import Daypart, PlaylistEntry

SMIL = "{http://www.w3.org/ns/SMIL}"
SHANGHAI = ZoneInfo("Asia/Shanghai")
# A Wednesday: the weekly windows start on the first chosen day on or after it.
ANCHOR = datetime(2026, 3, 4, 10, 0, tzinfo=SHANGHAI)
WALLCLOCK = re.compile(r"^wallclock\(R/(?P<start>[^/]+)/(?P<period>P1D|P7D)\)$")


def make_daypart(group, start="07:00", end="09:30", **kwargs):
    kwargs.setdefault("name", "早高峰")
    return Daypart.objects.create(
        group=group,
        start_time=time.fromisoformat(start),
        end_time=time.fromisoformat(end),
        **kwargs,
    )


def anchored(entry):
    """Pin the entry's anchor date to ``ANCHOR`` and recompile its group."""
    PlaylistEntry.objects.filter(pk=entry.pk).update(created_at=ANCHOR)
    return compile_group(entry.group)


def smil_element(client, group, title):
    response = client.get(f"/screens/{group.slug}/playlist.smil")
    assert response.status_code == 200
    document = etree.fromstring(response.content)
    return next(e for e in document.iter(f"{SMIL}img") if e.get("title") == title)


def windows(element):
    """Return the (begin, end) datetimes and periods of a media element's daypart."""
    begins = [WALLCLOCK.match(v.strip()) for v in element.get("begin").split(";")]
    ends = [WALLCLOCK.match(v.strip()) for v in element.get("end").split(";")]
    assert all(begins) and all(ends) and len(begins) == len(ends)
    return [
        (
            datetime.fromisoformat(b["start"]),
            datetime.fromisoformat(e["start"]),
            b["period"],
        )
        for b, e in zip(begins, ends, strict=True)
    ]


class TestDaypartWeekdays:
    def test_a_new_daypart_runs_every_day(self, make_group):
        part = make_daypart(make_group())

        part.refresh_from_db()
        assert part.weekdays == [1, 2, 3, 4, 5, 6, 7]
        assert part.weekdays_label == "每天"

    def test_a_daypart_needs_at_least_one_weekday(self, make_group):
        part = Daypart(
            group=make_group(),
            name="开放日",
            start_time=time(9),
            end_time=time(17),
            weekdays=[],
        )

        with pytest.raises(ValidationError) as raised:
            part.full_clean()

        assert raised.value.message_dict["weekdays"] == [
            "请至少选择一天（周一至周日）。"
        ]

    @pytest.mark.parametrize("weekdays", [[0], [8], [1, "2"], "12345", [True]])
    def test_weekdays_are_iso_numbers_one_to_seven(self, make_group, weekdays):
        part = Daypart(
            group=make_group(),
            name="开放日",
            start_time=time(9),
            end_time=time(17),
            weekdays=weekdays,
        )

        with pytest.raises(ValidationError) as raised:
            part.full_clean()

        assert "weekdays" in raised.value.message_dict

    def test_saved_weekdays_are_sorted_once_each(self, make_group):
        part = make_daypart(make_group(), weekdays=[7, 6, 6])

        part.refresh_from_db()
        assert part.weekdays == [6, 7]
        assert part.weekdays_label == "周末"


class TestWeekdayManifestAndSmil:
    def test_manifest_carries_the_weekdays(self, make_group, make_ad, book):
        group = make_group(loop_min_seconds=0)
        school = make_daypart(group, weekdays=[1, 2, 3, 4, 5])
        book(group, make_ad(title="交通安全"), daypart=school)

        item = compile_group(group).manifest["loop"][0]

        assert item["daypart"] == {
            "name": "早高峰",
            "start": "07:00:00",
            "end": "09:30:00",
            "weekdays": [1, 2, 3, 4, 5],
        }

    def test_changing_the_weekdays_changes_version_and_etag(
        self, client, make_group, make_ad, book, django_capture_on_commit_callbacks
    ):
        group = make_group(loop_min_seconds=0)
        part = make_daypart(group)
        book(group, make_ad(title="交通安全"), daypart=part)
        before = client.get(f"/screens/{group.slug}/manifest.json")

        with django_capture_on_commit_callbacks(execute=True):
            part.weekdays = [6, 7]
            part.save()
        after = client.get(
            f"/screens/{group.slug}/manifest.json", HTTP_IF_NONE_MATCH=before["ETag"]
        )

        assert after.status_code == 200
        assert after["ETag"] != before["ETag"]
        assert after.json()["loop"][0]["daypart"]["weekdays"] == [6, 7]

    def test_an_every_day_band_keeps_its_daily_wallclock(
        self, client, make_group, make_ad, book
    ):
        group = make_group(loop_min_seconds=0)
        book(group, make_ad(title="每日"), daypart=make_daypart(group))
        anchored(group.entries.get())

        element = smil_element(client, group, "每日")

        assert element.get("begin") == "wallclock(R/2026-03-04T07:00:00+08:00/P1D)"
        assert element.get("end") == "wallclock(R/2026-03-04T09:30:00+08:00/P1D)"

    def test_a_weekday_band_is_one_weekly_window_per_chosen_day(
        self, client, make_group, make_ad, book
    ):
        group = make_group(loop_min_seconds=0)
        part = make_daypart(group, weekdays=[1, 3, 5])
        book(group, make_ad(title="交通安全"), daypart=part)
        anchored(group.entries.get())

        element = smil_element(client, group, "交通安全")

        assert element.get("begin") == (
            "wallclock(R/2026-03-04T07:00:00+08:00/P7D);"
            "wallclock(R/2026-03-06T07:00:00+08:00/P7D);"
            "wallclock(R/2026-03-09T07:00:00+08:00/P7D)"
        )
        assert element.get("end") == (
            "wallclock(R/2026-03-04T09:30:00+08:00/P7D);"
            "wallclock(R/2026-03-06T09:30:00+08:00/P7D);"
            "wallclock(R/2026-03-09T09:30:00+08:00/P7D)"
        )
        parsed = windows(element)
        assert [begin.isoweekday() for begin, _, _ in parsed] == [3, 5, 1]
        for begin, end, period in parsed:
            assert period == "P7D"
            assert begin.utcoffset() == timedelta(hours=8)
            assert end - begin == timedelta(hours=2, minutes=30)

    def test_a_band_crossing_midnight_ends_on_the_next_morning(
        self, client, make_group, make_ad, book
    ):
        group = make_group(loop_min_seconds=0)
        night = make_daypart(group, "22:00", "02:00", name="周五夜", weekdays=[5])
        book(group, make_ad(title="夜市"), daypart=night)
        anchored(group.entries.get())

        element = smil_element(client, group, "夜市")

        assert element.get("begin") == "wallclock(R/2026-03-06T22:00:00+08:00/P7D)"
        assert element.get("end") == "wallclock(R/2026-03-07T02:00:00+08:00/P7D)"
        ((begin, end, _),) = windows(element)
        assert (begin.date(), end.date()) == (date(2026, 3, 6), date(2026, 3, 7))
        assert begin.isoweekday() == 5 and end.isoweekday() == 6


@pytest.fixture
def daypart_admin(client, admin_user, make_group):
    client.force_login(admin_user)
    group = make_group()

    def post(**data):
        form = {
            "group": group.pk,
            "name": "学校上学时段",
            "start_time": "07:00",
            "end_time": "08:30",
            **data,
        }
        return client.post(reverse("wagtailsnippets_screens_daypart:add"), form)

    return post


class TestDaypartAdminForm:
    def test_the_add_form_shows_weekday_checkboxes_and_presets(
        self, client, daypart_admin
    ):
        response = client.get(reverse("wagtailsnippets_screens_daypart:add"))

        assert response.status_code == 200
        page = response.content.decode()
        for label in ("周一", "周日", "工作日", "周末", "每天"):
            assert label in page
        assert page.count('name="weekdays"') == 7

    def test_checked_weekdays_are_saved(self, daypart_admin):
        response = daypart_admin(weekdays=["2", "4"])

        assert response.status_code == 302
        assert Daypart.objects.get().weekdays == [2, 4]

    def test_a_preset_chooses_the_days(self, daypart_admin):
        response = daypart_admin(preset="workdays", weekdays=["7"])

        assert response.status_code == 302
        assert Daypart.objects.get().weekdays == [1, 2, 3, 4, 5]

    def test_the_weekend_preset(self, daypart_admin):
        daypart_admin(preset="weekend")

        assert Daypart.objects.get().weekdays == [6, 7]

    def test_no_day_chosen_is_refused_with_a_clear_message(self, daypart_admin):
        response = daypart_admin()

        assert response.status_code == 200
        assert "请至少选择一天（周一至周日）。" in response.content.decode()
        assert not Daypart.objects.exists()

    def test_the_listing_names_the_days(self, client, daypart_admin):
        daypart_admin(preset="workdays")

        response = client.get(reverse("wagtailsnippets_screens_daypart:list"))

        assert response.status_code == 200
        assert "工作日" in response.content.decode()
