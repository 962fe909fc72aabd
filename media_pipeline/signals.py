"""Signals through which the pipeline tells other apps what became of media."""

from django.dispatch import Signal

# Sent with ``video`` whenever a video's status changes (ready, rejected, failed).
video_status_changed = Signal()
