"""Hot folders: where a newspaper's editorial system picks up packages.

Every file is written under a temporary name (a leading dot and a ``.part``
suffix, which watchers ignore) and renamed once it is complete, so a watcher
never sees half a file. A hot folder is named by a URL:

- ``file:///srv/hot/pufa`` or a plain path (relative paths are under ``var/``);
- ``s3://bucket/prefix`` (endpoint, region and keys from the credentials);
- ``ftp://host:port/path`` (user and password from the credentials).
"""

from __future__ import annotations

import ftplib
import io
import logging
import os
import secrets
from pathlib import Path, PurePosixPath
from urllib.parse import unquote, urlsplit

from django.conf import settings

logger = logging.getLogger("pufa.newspaper")


class HotFolderError(Exception):
    """The hot folder could not be reached or written; ``message`` is for people."""

    def __init__(self, message, *, transient=True):
        super().__init__(message)
        self.message = message
        self.transient = transient


def temporary_name(name: str) -> str:
    return f".{name}.{secrets.token_hex(4)}.part"


class HotFolder:
    label = ""

    def put(self, name: str, data: bytes) -> None:
        raise NotImplementedError

    def names(self) -> list[str]:
        raise NotImplementedError

    def read(self, name: str) -> bytes:
        raise NotImplementedError

    def close(self) -> None:
        pass

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


class LocalHotFolder(HotFolder):
    label = "本地目录"

    def __init__(self, path: Path):
        self.path = path

    def put(self, name: str, data: bytes) -> None:
        try:
            self.path.mkdir(parents=True, exist_ok=True)
            temp = self.path / temporary_name(name)
            with open(temp, "wb") as handle:
                handle.write(data)
                handle.flush()
                os.fsync(handle.fileno())
            os.replace(temp, self.path / name)
        except OSError as error:
            raise HotFolderError(
                f"无法写入热文件夹 {self.path}：{error.strerror}"
            ) from error

    def names(self) -> list[str]:
        if not self.path.is_dir():
            return []
        return sorted(p.name for p in self.path.iterdir() if p.is_file())

    def read(self, name: str) -> bytes:
        return (self.path / name).read_bytes()


class FtpHotFolder(HotFolder):
    label = "FTP"

    def __init__(
        self, host, port, directory, username, password, *, tls=False, timeout=30
    ):
        self.directory = directory
        self._args = (host, port, username, password, tls, timeout)
        self._ftp = None

    def _connect(self):
        if self._ftp is not None:
            return self._ftp
        host, port, username, password, tls, timeout = self._args
        ftp = ftplib.FTP_TLS(timeout=timeout) if tls else ftplib.FTP(timeout=timeout)
        try:
            ftp.connect(host, port)
            ftp.login(username or "anonymous", password or "")
            if tls:
                ftp.prot_p()
            self._cwd(ftp)
        except ftplib.error_perm as error:
            ftp.close()
            raise HotFolderError(
                f"FTP 登录或进入目录失败：{error}", transient=False
            ) from error
        except (OSError, EOFError, ftplib.Error) as error:
            ftp.close()
            raise HotFolderError(
                f"无法连接 FTP 服务器 {host}:{port}：{error}"
            ) from error
        self._ftp = ftp
        return ftp

    def _cwd(self, ftp):
        for part in PurePosixPath(self.directory or "/").parts:
            if part == "/":
                ftp.cwd("/")
                continue
            try:
                ftp.cwd(part)
            except ftplib.error_perm:
                ftp.mkd(part)
                ftp.cwd(part)

    def put(self, name: str, data: bytes) -> None:
        ftp = self._connect()
        temp = temporary_name(name)
        try:
            ftp.storbinary(f"STOR {temp}", io.BytesIO(data))
            try:
                ftp.rename(temp, name)
            except ftplib.error_perm:
                # Some servers refuse to rename over an existing file.
                ftp.delete(name)
                ftp.rename(temp, name)
        except ftplib.error_perm as error:
            raise HotFolderError(
                f"FTP 拒绝写入 {name}：{error}", transient=False
            ) from error
        except (OSError, EOFError, ftplib.Error) as error:
            self.close()
            raise HotFolderError(f"FTP 传输 {name} 中断：{error}") from error

    def names(self) -> list[str]:
        return sorted(self._connect().nlst())

    def read(self, name: str) -> bytes:
        out = io.BytesIO()
        self._connect().retrbinary(f"RETR {name}", out.write)
        return out.getvalue()

    def close(self) -> None:
        if self._ftp is not None:
            try:
                self._ftp.quit()
            except (OSError, EOFError, ftplib.Error):
                self._ftp.close()
            self._ftp = None


class S3HotFolder(HotFolder):
    label = "S3"

    def __init__(self, bucket, prefix, credentials):
        import boto3
        from botocore.config import Config

        self.bucket = bucket
        self.prefix = prefix.strip("/")
        self.client = boto3.client(
            "s3",
            endpoint_url=credentials.get("endpoint_url") or None,
            region_name=credentials.get("region") or "us-east-1",
            aws_access_key_id=credentials.get("access_key") or None,
            aws_secret_access_key=credentials.get("secret_key") or None,
            config=Config(
                retries={"max_attempts": 2}, connect_timeout=10, read_timeout=30
            ),
        )

    def _key(self, name):
        return f"{self.prefix}/{name}" if self.prefix else name

    def put(self, name: str, data: bytes) -> None:
        from botocore.exceptions import BotoCoreError, ClientError

        temp = self._key(temporary_name(name))
        try:
            self.client.put_object(Bucket=self.bucket, Key=temp, Body=data)
            self.client.copy_object(
                Bucket=self.bucket,
                Key=self._key(name),
                CopySource={"Bucket": self.bucket, "Key": temp},
            )
            self.client.delete_object(Bucket=self.bucket, Key=temp)
        except ClientError as error:
            code = error.response.get("Error", {}).get("Code", "")
            transient = code in {"SlowDown", "InternalError", "ServiceUnavailable"}
            raise HotFolderError(
                f"S3 写入 {name} 失败：{code}", transient=transient
            ) from error
        except BotoCoreError as error:
            raise HotFolderError(f"无法连接 S3：{error}") from error

    def names(self) -> list[str]:
        start = len(self.prefix) + 1 if self.prefix else 0
        pages = self.client.get_paginator("list_objects_v2").paginate(
            Bucket=self.bucket, Prefix=self._key("")
        )
        return sorted(
            obj["Key"][start:] for page in pages for obj in page.get("Contents", [])
        )

    def read(self, name: str) -> bytes:
        return self.client.get_object(Bucket=self.bucket, Key=self._key(name))[
            "Body"
        ].read()


def open_hot_folder(url: str, credentials: dict | None = None) -> HotFolder:
    """Return the hot folder named by ``url`` (see the module docstring)."""
    credentials = credentials or {}
    if not url:
        raise HotFolderError("未配置热文件夹地址（hot_folder）。", transient=False)
    parts = urlsplit(url)
    if parts.scheme in ("", "file"):
        path = Path(unquote(parts.path if parts.scheme else url))
        if not path.is_absolute():
            path = Path(settings.VAR_DIR) / path
        return LocalHotFolder(path)
    if parts.scheme in ("ftp", "ftps"):
        return FtpHotFolder(
            parts.hostname,
            parts.port or 21,
            unquote(parts.path) or "/",
            credentials.get("username") or unquote(parts.username or ""),
            credentials.get("password") or "",
            tls=parts.scheme == "ftps",
        )
    if parts.scheme == "s3":
        return S3HotFolder(parts.hostname, unquote(parts.path), credentials)
    raise HotFolderError(f"不支持的热文件夹地址：{parts.scheme}://", transient=False)


def deliver_files(folder: HotFolder, files) -> list[str]:
    """Write ``files`` (objects with ``name`` and ``data``) in order; return names."""
    written = []
    for package_file in files:
        folder.put(package_file.name, package_file.data)
        written.append(package_file.name)
    logger.info("hot folder written kind=%s files=%d", folder.label, len(written))
    return written
