"""SMIL 3.0 playlists for signage players (signageOS, IAdea, garlic-player).

Layout: one full-screen ``main`` region for the loop and an ``emergency``
region above it. Flight windows are absolute ``wallclock()`` values on a
wrapping ``seq``; dayparts are daily repeating ``wallclock(R/…/P1D)`` values
on the media element. Emergencies sit in the first ``priorityClass`` of an
``excl`` and stop the loop class, which pauses and resumes afterwards.
"""

from __future__ import annotations

from datetime import date, time, timedelta

from lxml import etree

from .models import CANVAS, Orientation

SMIL_NS = "http://www.w3.org/ns/SMIL"
REGIONS = ("main", "emergency")


def media_url(base_url: str, ref: dict) -> str:
    return f"{base_url.rstrip('/')}/screens/media/{ref['name']}"


def _daily(anchor: str, clock: str, offset: str) -> str:
    return f"wallclock(R/{anchor}T{clock}{offset}/P1D)"


def _offset(manifest) -> str:
    raw = manifest.get("timezone") or "+0800"
    return f"{raw[:3]}:{raw[3:]}"


def daypart_window(item: dict, offset: str) -> tuple[str, str] | None:
    part = item.get("daypart")
    if not part:
        return None
    anchor = item.get("anchor") or "2026-01-01"
    end_anchor = anchor
    if time.fromisoformat(part["end"]) <= time.fromisoformat(part["start"]):
        end_anchor = (date.fromisoformat(anchor) + timedelta(days=1)).isoformat()
    return _daily(anchor, part["start"], offset), _daily(
        end_anchor, part["end"], offset
    )


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
