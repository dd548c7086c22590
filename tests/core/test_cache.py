"""core.cache.RedisCache: Django's Redis cache with one client per connection pool."""

import os

from core.cache import RedisCache
from tests.prerequisites import missing_prerequisite


def test_one_client_serves_every_operation_and_values_round_trip():
    url = os.environ.get("REDIS_URL")
    if not url:
        missing_prerequisite("the Redis cache test needs REDIS_URL")
    cache = RedisCache(url, {"KEY_PREFIX": "test-core-cache"})
    client = cache._cache.get_client(write=True)
    assert cache._cache.get_client(write=True) is client and cache._cache.get_client() is client
    cache.set("a", {"n": 1})
    assert cache.add("b", 5) and not cache.add("b", 6)
    assert cache.get_many(["a", "b", "c"]) == {"a": {"n": 1}, "b": 5}
    assert cache.incr("b") == 6
    cache.delete_many(["a", "b"])
    assert cache.get("a") is None
