"""Recompile a group's playlist when an operator edits its bookings or dayparts."""

from django.db import transaction
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from .models import Daypart, PlaylistEntry, ScreenGroup


def _recompile_later(group_id):
    def run():
        from .compiler import compile_group

        group = ScreenGroup.objects.filter(pk=group_id).first()
        if group is not None:
            compile_group(group)

    transaction.on_commit(run)


@receiver(post_save, sender=PlaylistEntry)
@receiver(post_delete, sender=PlaylistEntry)
@receiver(post_save, sender=Daypart)
@receiver(post_delete, sender=Daypart)
def booking_changed(sender, instance, **kwargs):
    _recompile_later(instance.group_id)


@receiver(post_save, sender=ScreenGroup)
def group_changed(sender, instance, created, **kwargs):
    if not created:
        _recompile_later(instance.pk)
