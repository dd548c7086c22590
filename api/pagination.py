"""Lists that grow are paged by cursor (``?cursor=``): each page is one keyset query, whatever its depth."""

from rest_framework.pagination import CursorPagination


class NewestFirstCursorPagination(CursorPagination):
    ordering = "-pk"
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200


class OldestFirstCursorPagination(NewestFirstCursorPagination):
    ordering = "pk"
