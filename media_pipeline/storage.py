"""The two storages: ``public`` (approved, CDN-fronted) and ``private``."""

from django.core.files.storage import storages


def private_storage():
    return storages["private"]


def public_storage():
    return storages["public"]
