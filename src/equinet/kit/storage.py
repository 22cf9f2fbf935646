"""Object storage for uploaded files: a local folder by default, an S3-compatible bucket by
settings. Keys are ours (`<bucket>/<random>.<ext>`), never a client's file name."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any, Protocol

from anyio import to_thread

from equinet.settings import Settings

_KEY = re.compile(r"^[a-z]+/[0-9a-f]{32}\.[a-z]{3,4}$")


class StoredObjectMissing(Exception):
    """The object named by an Upload row is not in the store."""


def _checked(key: str) -> str:
    # Keys come from our own rows; refusing anything else keeps a path outside the store unreachable.
    if not _KEY.match(key):
        raise ValueError(f"not an upload key: {key!r}")
    return key


class ObjectStore(Protocol):
    def describe(self) -> str: ...

    async def put(self, key: str, data: bytes, content_type: str) -> None: ...

    async def get(self, key: str) -> bytes: ...

    async def delete(self, key: str) -> None: ...


class LocalStore:
    def __init__(self, folder: Path) -> None:
        self.folder = folder.expanduser()

    def describe(self) -> str:
        return str(self.folder)

    def _path(self, key: str) -> Path:
        return self.folder / _checked(key)

    async def put(self, key: str, data: bytes, content_type: str) -> None:
        path = self._path(key)

        def write() -> None:
            path.parent.mkdir(parents=True, exist_ok=True)
            partial = path.with_suffix(path.suffix + ".partial")
            partial.write_bytes(data)
            partial.replace(path)

        await to_thread.run_sync(write)

    async def get(self, key: str) -> bytes:
        path = self._path(key)
        try:
            return await to_thread.run_sync(path.read_bytes)
        except FileNotFoundError as error:
            raise StoredObjectMissing(key) from error

    async def delete(self, key: str) -> None:
        await to_thread.run_sync(lambda: self._path(key).unlink(missing_ok=True))


class S3Store:
    def __init__(self, client: Any, bucket: str, prefix: str = "") -> None:
        self.client = client
        self.bucket = bucket
        self.prefix = prefix.strip("/")

    def describe(self) -> str:
        return f"s3://{self.bucket}/{self.prefix}".rstrip("/")

    def _key(self, key: str) -> str:
        key = _checked(key)
        return f"{self.prefix}/{key}" if self.prefix else key

    async def put(self, key: str, data: bytes, content_type: str) -> None:
        await to_thread.run_sync(
            lambda: self.client.put_object(
                Bucket=self.bucket, Key=self._key(key), Body=data, ContentType=content_type
            )
        )

    async def get(self, key: str) -> bytes:
        from botocore.exceptions import ClientError

        def read() -> bytes:
            try:
                body = self.client.get_object(Bucket=self.bucket, Key=self._key(key))["Body"]
            except ClientError as error:
                if error.response.get("Error", {}).get("Code") in {"404", "NoSuchKey"}:
                    raise StoredObjectMissing(key) from error
                raise
            data: bytes = body.read()
            return data

        return await to_thread.run_sync(read)

    async def delete(self, key: str) -> None:
        await to_thread.run_sync(
            lambda: self.client.delete_object(Bucket=self.bucket, Key=self._key(key))
        )


def s3_client(
    *,
    endpoint_url: str | None,
    access_key_id: str | None,
    secret_access_key: str | None,
    region: str | None,
) -> Any:
    """A boto3 S3 client that also works against S3-compatible servers (the default AWS
    credential chain when the keys are None)."""
    import boto3
    from botocore.config import Config

    config = Config(
        # S3-compatible servers (MinIO, Ceph, a local test server) often live on an IP or a
        # single host name, where virtual-hosted bucket addressing cannot work.
        s3={"addressing_style": "path" if endpoint_url else "auto"},
        # Not every S3-compatible server understands the newer default CRC trailers.
        request_checksum_calculation="when_required",
        response_checksum_validation="when_required",
        retries={"max_attempts": 3, "mode": "standard"},
    )
    return boto3.session.Session().client(
        "s3",
        endpoint_url=endpoint_url,
        aws_access_key_id=access_key_id,
        aws_secret_access_key=secret_access_key,
        region_name=region or "us-east-1",
        config=config,
    )


def s3_upload_client(settings: Settings) -> Any:
    return s3_client(
        endpoint_url=settings.upload_s3_endpoint_url,
        access_key_id=settings.upload_s3_access_key_id,
        secret_access_key=settings.upload_s3_secret_access_key,
        region=settings.upload_s3_region,
    )


def object_store_for(settings: Settings) -> ObjectStore:
    """The store UPLOAD_STORAGE names (made once per app, in its lifespan)."""
    if settings.upload_storage == "s3":
        if not settings.upload_s3_bucket:
            raise ValueError("UPLOAD_STORAGE=s3 needs UPLOAD_S3_BUCKET")
        return S3Store(
            s3_upload_client(settings), settings.upload_s3_bucket, settings.upload_s3_prefix
        )
    return LocalStore(settings.upload_dir)
