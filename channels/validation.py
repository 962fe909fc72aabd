"""Channel validation of an item: what keeps it from each targeted channel.

The moderation app's automated check calls :func:`validate_item` before an
item may be signed off; the per-channel preview shows the same findings.
"""

import logging

from .adapters import get_adapter_class, registered_channels
from .adapters.base import Finding
from .models import Destination

logger = logging.getLogger("pufa.channels")


def adapters_for(item):
    """Yield (channel, adapter) for every targeted channel that has an adapter."""
    for channel in item.targeted_channels:
        if channel not in registered_channels():
            continue
        destinations = list(Destination.objects.filter(channel=channel, active=True))
        for destination in destinations or [None]:
            yield channel, get_adapter_class(channel)(destination)


def validate_item(item) -> list[Finding]:
    """Return every targeted channel's findings for ``item`` (empty when fine)."""
    findings = []
    seen = set()
    for channel, adapter in adapters_for(item):
        try:
            results = adapter.validate(item)
        except Exception:
            logger.exception("validator crashed channel=%s", channel)
            results = [Finding(channel, "渠道校验程序出错，请联系技术人员。")]
        for finding in results:
            key = (finding.channel, finding.field, finding.message)
            if key not in seen:
                seen.add(key)
                findings.append(finding)
    return findings


def blocking_findings(item) -> list[Finding]:
    return [f for f in validate_item(item) if f.severity == "error"]
