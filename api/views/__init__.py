"""The API's views: one module per area, all built on ``base.ApiMixin``."""
