from django.contrib.auth.models import AbstractUser
from django.db import models


class User(AbstractUser):
    """A Pufa account: staff, reviewer, channel publisher or vetted creator."""

    display_name = models.CharField("署名", max_length=64, blank=True)

    class Meta:
        verbose_name = "用户"
        verbose_name_plural = "用户"

    def get_display_name(self):
        return self.display_name or self.get_full_name() or self.username
