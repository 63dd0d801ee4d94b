"""Fixtures for the notification tests: see tests/jobs/support.py."""

from tests.jobs.support import mail, private_redis, queue_name, redis_url

__all__ = ["mail", "private_redis", "queue_name", "redis_url"]
