"""The two storages, ``public`` (approved, CDN-fronted) and ``private``, and
the few file operations the pipeline needs on either of them.

Both may be a local folder or an S3 bucket; nothing here assumes which, except
:func:`local_path`, which returns None for storages without local files.
``private`` is also Django's ``default`` storage, so anything that does not
ask for ``public`` explicitly (Wagtail image originals and renditions,
documents) starts out private.
"""

import os
import shutil
from pathlib import Path

from django.core.files import File
from django.core.files.storage import FileSystemStorage, Storage, storages
from django.urls import reverse


class PrivateFileSystemStorage(FileSystemStorage):
    """Local private storage whose URLs are signed, short-lived links.

    The local counterpart of S3 presigned URLs: ``url()`` points at
    :func:`media_pipeline.private_files.serve`, which checks the signature,
    its expiry and the user's permission before it sends the file.
    """

    def url(self, name):
        from .private_files import sign

        return reverse("media_pipeline:signed_file", args=[sign(name)])


def private_storage() -> Storage:
    return storages["private"]


def public_storage() -> Storage:
    return storages["public"]


def is_s3(storage: Storage) -> bool:
    return hasattr(storage, "bucket_name") and hasattr(storage, "connection")


def local_path(storage: Storage, name: str) -> str | None:
    try:
        return storage.path(name)
    except NotImplementedError:
        return None


def fetch(storage: Storage, name: str, destination: Path) -> Path:
    """Make ``name`` available as a local file at ``destination``."""
    with storage.open(name, "rb") as source, open(destination, "wb") as target:
        shutil.copyfileobj(source, target, 1 << 20)
    return destination


def save_exact(storage: Storage, name: str, content) -> str:
    """Save under exactly ``name``; fail rather than silently rename."""
    saved = storage.save(name, content)
    if saved != name:
        storage.delete(saved)
        raise FileExistsError(name)
    return saved


def save_tree(storage: Storage, prefix: str, folder: Path) -> list[str]:
    """Upload every file under ``folder`` to ``prefix``; return relative names."""
    saved = []
    try:
        for root, _dirs, files in os.walk(folder):
            for filename in sorted(files):
                path = Path(root) / filename
                relative = path.relative_to(folder).as_posix()
                with open(path, "rb") as handle:
                    save_exact(storage, prefix + relative, File(handle, name=filename))
                saved.append(relative)
    except BaseException:
        delete_names(storage, [prefix + name for name in saved])
        raise
    return saved


def copy_between(source: Storage, target: Storage, name: str) -> None:
    """Copy ``name`` from one storage to the same name in another."""
    if target.exists(name):
        return
    with source.open(name, "rb") as handle:
        target.save(name, File(handle, name=os.path.basename(name)))


def delete_names(storage: Storage, names) -> None:
    for name in names:
        try:
            storage.delete(name)
        except FileNotFoundError:
            pass
