"""Session stores (``SESSION_ENGINE``)."""
