"""The playlist compiler: flight windows, share of voice, fillers, loop bounds."""

from datetime import timedelta

from django.utils import timezone

from channels.screens.compiler import compile_group


def titles(snapshot):
    return [item["title"] for item in snapshot.manifest["loop"]]


def test_flight_windows_leave_out_ended_and_far_future_items(make_group, make_ad, book):
    group = make_group()
    now = timezone.now()
    book(group, make_ad(title="投放中"))
    book(group, make_ad(title="已结束", flight_end=now - timedelta(minutes=1)))
    book(group, make_ad(title="下月开始", flight_start=now + timedelta(days=30)))
    book(group, make_ad(title="明天开始", flight_start=now + timedelta(days=1)))

    snapshot = compile_group(group)

    assert sorted(titles(snapshot)) == ["投放中", "明天开始"]
    tomorrow = next(i for i in snapshot.manifest["loop"] if i["title"] == "明天开始")
    assert tomorrow["flight_start"]


def test_share_of_voice_repeats_an_item_evenly(make_group, make_ad, book):
    group = make_group(loop_min_seconds=0)
    for n in range(3):
        book(group, make_ad(title=f"普通{n}", duration=10))
    book(group, make_ad(title="重点", duration=10), share_of_voice=50)

    loop = titles(compile_group(group))

    assert loop.count("重点") == 3
    assert len(loop) == 6
    # Never twice in a row: the repeats are spread over the loop.
    assert all(not (a == b == "重点") for a, b in zip(loop, loop[1:], strict=False))


def test_fillers_pad_a_short_loop_to_the_minimum(make_group, make_ad, book):
    group = make_group(loop_min_seconds=60)
    book(group, make_ad(title="唯一节目", duration=15))
    book(group, make_ad(title="垫片", duration=10), is_filler=True)

    snapshot = compile_group(group)

    assert titles(snapshot) == ["唯一节目"] + ["垫片"] * 5
    assert snapshot.manifest["loop_seconds"] == 65


def test_only_fillers_play_when_nothing_is_booked(make_group, make_ad, book):
    group = make_group(loop_min_seconds=0)
    book(group, make_ad(title="垫片", duration=10), is_filler=True)

    assert titles(compile_group(group)) == ["垫片"]


def test_loop_maximum_drops_lowest_priority_first(make_group, make_ad, book):
    group = make_group(loop_min_seconds=0, loop_max_seconds=25)
    book(group, make_ad(title="高", duration=10), priority=90)
    book(group, make_ad(title="中", duration=10), priority=50)
    book(group, make_ad(title="低", duration=10), priority=10)

    snapshot = compile_group(group)

    assert titles(snapshot) == ["高", "中"]
    assert [d["title"] for d in snapshot.manifest["dropped"]] == ["低"]


def test_recompiling_unchanged_entries_keeps_the_version(make_group, make_ad, book):
    group = make_group()
    book(group, make_ad())
    first = compile_group(group)

    again = compile_group(group)

    assert again.pk == first.pk and again.version == first.version


def test_an_operator_edit_recompiles_the_playlist(
    make_group, make_ad, book, django_capture_on_commit_callbacks
):
    group = make_group(loop_min_seconds=0)
    entry = book(group, make_ad(title="普通节目"))
    before = group.latest_snapshot()

    with django_capture_on_commit_callbacks(execute=True):
        entry.is_emergency = True
        entry.save()

    after = group.latest_snapshot()
    assert after.seq == before.seq + 1
    assert [i["title"] for i in after.manifest["emergency"]] == ["普通节目"]
