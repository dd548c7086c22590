"""Paginators that do not count a growing table on every page view.

``CountedPaginator`` takes the number of rows when the caller already knows it (from a counter table)
and otherwise counts at most ``cap`` + 1 rows (``SELECT count(*) FROM (… LIMIT cap + 1)``): a list
matching more says "more than cap" and offers the first ``cap`` rows' pages (narrow the filters for the
rest). Either way the page itself is one ``LIMIT``/``OFFSET`` query.
"""

from django.core.paginator import Paginator
from django.utils.functional import cached_property

COUNT_CAP = 1000


def capped_count(queryset, cap: int = COUNT_CAP) -> int:
    """The number of rows of ``queryset``, but at most ``cap`` + 1 (read no further)."""
    return queryset.order_by()[: cap + 1].count()


class CountedPaginator(Paginator):
    """``count``: the number of rows, known exactly (from counters); ``counted``: what ``capped_count``
    would answer for these rows, when the caller has already read it (at most ``cap`` + 1)."""

    def __init__(
        self,
        object_list,
        per_page,
        *,
        count: int | None = None,
        counted: int | None = None,
        cap: int = COUNT_CAP,
        **kwargs,
    ):
        super().__init__(object_list, per_page, **kwargs)
        self._known_count = count
        self._already_counted = counted
        self.cap = cap

    @cached_property
    def _counted(self) -> int:
        if self._known_count is not None:
            return self._known_count
        if self._already_counted is not None:
            return self._already_counted
        return capped_count(self.object_list, self.cap)

    @cached_property
    def count(self):
        return self._counted if self._known_count is not None else min(self._counted, self.cap)

    @cached_property
    def capped(self) -> bool:
        """True when the rows were not all counted: there are more than ``count``."""
        return self._known_count is None and self._counted > self.cap
