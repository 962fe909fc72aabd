"""Channel adapters, one per channel, registered by channel name.

The outbox knows nothing channel-specific: it looks the adapter up here by the
destination's channel and calls it. See :mod:`channels.adapters.base`.
"""

_registry = {}


def register(channel, adapter_class):
    """Register ``adapter_class`` for destinations of ``channel``."""
    _registry[channel] = adapter_class


def get_adapter_class(channel):
    return _registry[channel]


def registered_channels():
    return sorted(_registry)
