"""Small helpers shared by test modules."""


def reset_broker_pools(app) -> None:
    """Drop the cached broker connections so the next publish uses conf.broker_url.

    kombu keeps its pools in process-wide groups keyed by the broker URL, so
    closing the app's pools is not enough: a closed pool would be handed out
    again. kombu.pools.reset() closes and forgets them all.
    """
    from kombu import pools

    pools.reset()
    app._pool = None
    amqp = app.__dict__.get("amqp")
    if amqp is not None:
        amqp._producer_pool = None
