"""Checks a command makes before it starts serving: the port is free, several web
processes share their state. Each failure is an `Abort` with what to do."""

from __future__ import annotations

from config.errors import Abort


def check_workers_share_state(workers: int) -> None:
    """Several web processes must share their cache and channel layer: with the
    embedded defaults (a memory cache, an in-memory channel layer) a logout in one
    would leave the session alive in the others (config/sessions.py), a new post
    would not leave the others' page caches, and live pushes would reach one
    process's readers only."""
    from django.conf import settings

    if workers < 1:
        raise Abort(f"--workers {workers}: at least 1 worker is needed")
    if workers > 1 and not settings.REDIS_URL:
        raise Abort(
            f"--workers {workers} needs REDIS_URL: the processes share sessions, "
            "cached pages and live updates through Redis; without it run 1 worker"
        )


def check_port_free(host: str, port: int, option: str) -> None:
    import socket

    if not 0 < port < 65536:
        raise Abort(f"port {port} is not a valid TCP port; choose one with {option}")
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError as exc:
            raise Abort(
                f"cannot listen on {host}:{port} ({exc.strerror}); "
                f"stop what uses it or choose another port with {option}"
            ) from exc


def check_object_store() -> None:
    """With INTERCOOP_S3_BUCKET, the bucket answers: otherwise every large message
    would get a 451 and every attachment a 404, with the cause only in the logs."""
    from django.conf import settings

    from common.storage import file_storage

    bucket = settings.STORAGES["attachments"].get("OPTIONS", {}).get("bucket_name")
    if not bucket:
        return
    storage = file_storage("attachments")
    try:
        storage.connection.meta.client.head_bucket(Bucket=bucket)
    except Exception as exc:  # botocore's errors: no connection, no bucket, refused
        where = storage.endpoint_url or "Amazon S3"
        reason = " ".join(str(exc).split())
        raise Abort(
            f"cannot use the object store s3://{bucket} at {where} ({reason}); "
            "check INTERCOOP_S3_BUCKET, INTERCOOP_S3_ENDPOINT_URL and the credentials"
        ) from exc
