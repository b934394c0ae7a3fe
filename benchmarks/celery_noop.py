"""The baseline task of benchmarks/forwarding.py: does nothing but count itself in Redis."""

import os

import redis
from celery import shared_task

_client = None


@shared_task(name="benchmarks.noop", acks_late=True)
def noop(index: int) -> None:
    global _client
    if _client is None:
        _client = redis.Redis.from_url(os.environ["REDIS_URL"])
    _client.incr("bench:noop:done")
