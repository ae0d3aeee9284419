"""One home for talking to Redis, the queue of the many-blogs mode: the client factory and the
rule that keeps the URL's password out of every log line and error message.

Only the many-blogs mode uses Redis (`python -m blogcrawler.batch`, the `worker` process): one
blog crawled with `scrapy crawl blog` never does.
"""

from __future__ import annotations

import redis
from kombu.utils.url import maybe_sanitize_url

from blogstats.config import ConfigError

__all__ = ["BrokerUnavailableError", "check", "make_redis", "mask_redis_url", "needs_redis"]


class BrokerUnavailableError(RuntimeError):
    """Redis did not answer, or refused us; one sentence a person can act on."""


def mask_redis_url(url: str) -> str:
    """The URL with its password replaced by ***, safe for logs (kombu's own rule, the one
    Celery uses in its banner)."""
    return maybe_sanitize_url(url, mask="***")


def needs_redis(url: str | None) -> str:
    """REDIS_URL, or ConfigError saying how to set it."""
    if not url:
        raise ConfigError("REDIS_URL is not set: the many-blogs mode keeps its queue in Redis, "
                          "e.g. REDIS_URL=redis://127.0.0.1:6379/0 (one blog needs no Redis: "
                          "scrapy crawl blog -a url=...)")
    return url


def make_redis(url: str, timeout_seconds: float = 5.0) -> redis.Redis:
    """A Redis client with the project's time-outs (connecting lazily)."""
    try:
        return redis.Redis.from_url(url, socket_timeout=timeout_seconds,
                                    socket_connect_timeout=timeout_seconds,
                                    health_check_interval=30)
    except ValueError as exc:
        raise ConfigError(f"REDIS_URL {mask_redis_url(url)} cannot be used: {exc}") from None


def check(url: str, timeout_seconds: float = 5.0) -> None:
    """Raise BrokerUnavailableError with one sentence when Redis does not answer or refuses."""
    client = make_redis(url, timeout_seconds)
    try:
        client.ping()
    except redis.AuthenticationError:
        raise BrokerUnavailableError(
            f"Redis at {mask_redis_url(url)} refused the password; check REDIS_URL") from None
    except redis.RedisError as exc:
        raise BrokerUnavailableError(
            f"cannot reach Redis at {mask_redis_url(url)} within {timeout_seconds:g} s "
            f"({type(exc).__name__}); start it or set REDIS_URL") from None
    finally:
        client.close()
