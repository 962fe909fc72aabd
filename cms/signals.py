"""Signals other apps send without importing each other.

``audit_event`` carries every moderation, publishing and delivery decision to
whoever keeps the audit log (the moderation app), so that ``channels`` never
imports ``moderation``. Arguments: ``action`` (str, e.g. ``delivery.delivered``),
``actor`` (user or None), ``obj`` (model instance or None), ``data`` (dict).
"""

from django.dispatch import Signal

audit_event = Signal()
