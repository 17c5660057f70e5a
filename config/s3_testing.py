"""An S3-compatible server for the tests, and the settings that put files in it.

Production uses MinIO or S3 (docker-compose.yml); the development and CI machines run
no container and cannot download MinIO, so the tests talk to moto's server mode: a
real HTTP server on the loopback that answers the S3 API (PUT, GET, LIST, DELETE,
multipart uploads), installed from PyPI with the dev dependencies. The product
reaches it as it would MinIO, through boto3 over HTTP, with the INTERCOOP_S3_*
variables (config/env.py, `file_storages`).

Fixtures (config/testing.py makes them available to every test):
- `s3_server`: the server, once per test run;
- `object_store`: a fresh bucket, the "attachments", "inbound" and "dkim" storages
  pointed at it for the test, and a look at what it holds.
"""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass

import pytest

ACCESS_KEY = "intercoop-test"
SECRET_KEY = "intercoop-test-secret"
REGION = "us-east-1"


@dataclass
class S3Server:
    endpoint: str

    def client(self):
        import boto3

        return boto3.client(
            "s3",
            endpoint_url=self.endpoint,
            aws_access_key_id=ACCESS_KEY,
            aws_secret_access_key=SECRET_KEY,
            region_name=REGION,
        )

    def bucket_create(self) -> str:
        name = f"intercoop-{uuid.uuid4().hex[:12]}"
        self.client().create_bucket(Bucket=name)
        return name

    def environment(self, bucket: str) -> dict[str, str]:
        """The variables an operator sets to put the files in `bucket`."""
        return {
            "INTERCOOP_S3_BUCKET": bucket,
            "INTERCOOP_S3_ENDPOINT_URL": self.endpoint,
            "INTERCOOP_S3_ACCESS_KEY_ID": ACCESS_KEY,
            "INTERCOOP_S3_SECRET_ACCESS_KEY": SECRET_KEY,
            "INTERCOOP_S3_REGION": REGION,
        }


@dataclass
class ObjectStore:
    server: S3Server
    bucket: str

    def objects(self) -> dict[str, bytes]:
        """Every object of the bucket, by key, with its bytes."""
        client = self.server.client()
        found = {}
        for page in client.get_paginator("list_objects_v2").paginate(Bucket=self.bucket):
            for entry in page.get("Contents", ()):
                body = client.get_object(Bucket=self.bucket, Key=entry["Key"])["Body"]
                found[entry["Key"]] = body.read()
        return found

    def empty(self) -> None:
        client = self.server.client()
        for key in self.objects():
            client.delete_object(Bucket=self.bucket, Key=key)


def s3_server_start():
    """moto's server on a free loopback port, in a thread of this process."""
    from moto.server import ThreadedMotoServer

    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # a line per request otherwise

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    return server, S3Server(endpoint=f"http://{host}:{port}")


@pytest.fixture(scope="session")
def s3_server():
    server, described = s3_server_start()
    try:
        yield described
    finally:
        server.stop()


@pytest.fixture
def object_store(s3_server, settings, monkeypatch) -> ObjectStore:
    from config import env

    bucket = s3_server.bucket_create()
    for name, value in s3_server.environment(bucket).items():
        monkeypatch.setenv(name, value)
    settings.STORAGES = {**settings.STORAGES, **env.file_storages()}
    return ObjectStore(server=s3_server, bucket=bucket)
