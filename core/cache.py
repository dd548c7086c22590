"""Django's Redis cache, with one client per connection pool instead of a new client for every operation."""

from django.core.cache.backends import redis


class RedisCacheClient(redis.RedisCacheClient):
    """Django makes a ``redis.Redis`` for each cache operation, and its constructor registers some 170
    response handlers: a fifth of a cache read. A client takes a connection from its pool for each command
    and may be shared between threads, so one is kept per pool (a forked process's pool starts afresh)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._clients = {}

    def get_client(self, key=None, *, write=False):
        pool = self._get_connection_pool(write)
        client = self._clients.get(pool)
        if client is None:
            client = self._clients[pool] = self._client(connection_pool=pool)
        return client


class RedisCache(redis.RedisCache):
    def __init__(self, server, params):
        super().__init__(server, params)
        self._class = RedisCacheClient
