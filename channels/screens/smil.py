"""SMIL 3.0 playlists for signage players (signageOS, IAdea, garlic-player).

Layout: one full-screen ``main`` region for the loop and an ``emergency``
region above it. Flight windows are absolute ``wallclock()`` values on a
wrapping ``seq``; dayparts are daily repeating ``wallclock(R/…/P1D)`` values
on the media element, or a list of weekly ``wallclock(R/…/P7D)`` values, one
per chosen weekday, when the daypart is not on every day. Emergencies sit in
the first ``priorityClass`` of an ``excl`` and stop the loop class, which
pauses and resumes afterwards.
"""

from __future__ import annotations

from datetime import date, time, timedelta

from lxml import etree

from .models import CANVAS, EVERY_DAY, Orientation

SMIL_NS = "http://www.w3.org/ns/SMIL"
REGIONS = ("main", "emergency")


def media_url(base_url: str, ref: dict) -> str:
    return f"{base_url.rstrip('/')}/screens/media/{ref['name']}"


def _daily(anchor: str, clock: str, offset: str) -> str:
    return f"wallclock(R/{anchor}T{clock}{offset}/P1D)"


def _offset(manifest) -> str:
    raw = manifest.get("timezone") or "+0800"
    return f"{raw[:3]}:{raw[3:]}"


def _weekly(day: date, clock: str, offset: str) -> str:
    return f"wallclock(R/{day.isoformat()}T{clock}{offset}/P7D)"


def daypart_window(item: dict, offset: str) -> tuple[str, str] | None:
    """Return the ``begin`` and ``end`` values of ``item``'s daypart, or None.

    An every-day band stays one daily repeat, as players have always read it. A
    band on some weekdays is one weekly repeat per chosen day, in the same order in
    ``begin`` and ``end``; a band that crosses midnight ends on the next day.

    Relied on: SMIL 3.0 Timing lets ``begin`` and ``end`` hold a list of values
    separated by ";" (begin-value-list, end-value-list); every value adds instance
    times, and an interval ends at the first end instance after its begin, so each
    weekly window closes at its own end. ``R/<start>/<period>`` inside
    ``wallclock()`` is not W3C syntax but the ISO 8601 repeating interval that
    signage players (A-SMIL, signageOS, garlic-player) read for dayparts; ``P7D``
    is the same form as the ``P1D`` they already take.
    """
    part = item.get("daypart")
    if not part:
        return None
    anchor = date.fromisoformat(item.get("anchor") or "2026-01-01")
    crosses = time.fromisoformat(part["end"]) <= time.fromisoformat(part["start"])
    overnight = timedelta(days=1 if crosses else 0)
    weekdays = sorted(set(part.get("weekdays", EVERY_DAY)))
    if weekdays == EVERY_DAY:
        return _daily(anchor.isoformat(), part["start"], offset), _daily(
            (anchor + overnight).isoformat(), part["end"], offset
        )
    # The first date on or after the anchor that falls on each chosen weekday.
    days = sorted(
        anchor + timedelta(days=(weekday - anchor.isoweekday()) % 7)
        for weekday in weekdays
    )
    begin = ";".join(_weekly(day, part["start"], offset) for day in days)
    end = ";".join(_weekly(day + overnight, part["end"], offset) for day in days)
    return begin, end


def _media_element(parent, item, orientation, base_url, region, offset):
    ref = item["media"].get(orientation) or next(iter(item["media"].values()))
    tag = "video" if item["kind"] == "video" else "img"
    element = etree.SubElement(parent, f"{{{SMIL_NS}}}{tag}")
    element.set("src", media_url(base_url, ref))
    element.set("region", region)
    element.set("fit", "meet")
    element.set("title", item["title"])
    if tag == "img":
        element.set("dur", f"{item['duration']:g}s")
    window = daypart_window(item, offset)
    if window:
        element.set("begin", window[0])
        element.set("end", window[1])
    return element


def _scheduled(parent, item, orientation, base_url, region, offset):
    """Add ``item``, wrapped in a seq bounded by its flight window if it has one."""
    if item.get("flight_start") or item.get("flight_end"):
        wrapper = etree.SubElement(parent, f"{{{SMIL_NS}}}seq")
        if item.get("flight_start"):
            wrapper.set("begin", f"wallclock({item['flight_start']})")
        if item.get("flight_end"):
            wrapper.set("end", f"wallclock({item['flight_end']})")
        parent = wrapper
    return _media_element(parent, item, orientation, base_url, region, offset)


def render_smil(manifest: dict, version: str, orientation: str, base_url: str) -> bytes:
    """Return the SMIL document of a compiled ``manifest``."""
    orientation = orientation if orientation in Orientation.values else "landscape"
    width, height = CANVAS[orientation]
    offset = _offset(manifest)
    smil = etree.Element(f"{{{SMIL_NS}}}smil", nsmap={None: SMIL_NS})
    smil.set("version", "3.0")
    smil.set("baseProfile", "Language")
    head = etree.SubElement(smil, f"{{{SMIL_NS}}}head")
    for name, content in (
        ("title", manifest.get("name", "")),
        ("pufa-playlist-version", version),
        ("pufa-loop-seconds", str(manifest.get("loop_seconds", 0))),
    ):
        meta = etree.SubElement(head, f"{{{SMIL_NS}}}meta")
        meta.set("name", name)
        meta.set("content", content)
    layout = etree.SubElement(head, f"{{{SMIL_NS}}}layout")
    root_layout = etree.SubElement(layout, f"{{{SMIL_NS}}}root-layout")
    root_layout.set("width", str(width))
    root_layout.set("height", str(height))
    root_layout.set("backgroundColor", "#000000")
    for z_index, name in enumerate(REGIONS, start=1):
        region = etree.SubElement(layout, f"{{{SMIL_NS}}}region")
        region.set("regionName", name)
        region.set("left", "0")
        region.set("top", "0")
        region.set("width", str(width))
        region.set("height", str(height))
        region.set("z-index", str(z_index))

    body = etree.SubElement(smil, f"{{{SMIL_NS}}}body")
    container = body
    if manifest.get("emergency"):
        excl = etree.SubElement(body, f"{{{SMIL_NS}}}excl")
        urgent = etree.SubElement(excl, f"{{{SMIL_NS}}}priorityClass")
        urgent.set("peers", "stop")
        urgent.set("higher", "stop")
        urgent.set("lower", "defer")
        for item in manifest["emergency"]:
            seq = etree.SubElement(urgent, f"{{{SMIL_NS}}}seq")
            start = item.get("flight_start") or f"{item['anchor']}T00:00:00{offset}"
            seq.set("begin", f"wallclock({start})")
            if item.get("flight_end"):
                seq.set("end", f"wallclock({item['flight_end']})")
            seq.set("repeatCount", "indefinite")
            _media_element(
                seq,
                dict(item, daypart=None),
                orientation,
                base_url,
                "emergency",
                offset,
            )
        normal = etree.SubElement(excl, f"{{{SMIL_NS}}}priorityClass")
        normal.set("peers", "stop")
        normal.set("higher", "pause")
        container = normal
    loop = etree.SubElement(container, f"{{{SMIL_NS}}}seq")
    loop.set("begin", "0")
    loop.set("repeatCount", "indefinite")
    for item in manifest.get("loop", []):
        _scheduled(loop, item, orientation, base_url, "main", offset)
    if not manifest.get("loop"):
        # An empty seq would end at once; hold the black canvas until the next poll.
        idle = etree.SubElement(loop, f"{{{SMIL_NS}}}ref")
        idle.set("src", "data:text/plain,")
        idle.set("region", "main")
        idle.set("dur", f"{manifest.get('poll_seconds', 60)}s")
    return etree.tostring(
        smil, xml_declaration=True, encoding="UTF-8", pretty_print=True
    )
