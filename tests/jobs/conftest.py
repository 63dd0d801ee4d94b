"""Fixtures for the job tests: see support.py."""

from tests.jobs.support import mail, private_redis, queue_name, redis_url

__all__ = ["mail", "private_redis", "queue_name", "redis_url"]
