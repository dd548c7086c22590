"""Diacritic-insensitive search on a folded ``search_text`` column, shared by every app.

A model lists the fields it is searched on in ``SEARCH_FIELDS`` and mixes in
``FoldedSearchMixin``: ``save()`` keeps ``search_text`` in step on every write path,
and bulk loaders call ``folded_search_text()`` themselves (bulk_create skips save).
Its queryset mixes in ``FoldedSearchQuerySet`` for ``.search(query)``.
"""

from django.db import models

from core.text import fold


def search_folded(queryset, query: str, field: str = "search_text"):
    """Rows whose folded column contains every folded word of ``query`` ("nguyen van" finds "Nguyễn Văn")."""
    for word in fold(query).split():
        queryset = queryset.filter(**{f"{field}__contains": word})
    return queryset


class FoldedSearchQuerySet(models.QuerySet):
    def search(self, query: str):
        return search_folded(self, query)


class FoldedSearchMixin:
    SEARCH_FIELDS: tuple[str, ...] = ()

    def folded_search_text(self) -> str:
        return fold(" ".join(str(value) for value in (getattr(self, f) for f in self.SEARCH_FIELDS) if value))

    def save(self, *args, **kwargs):
        # A derived column, not a business rule: kept in step wherever the row is written.
        self.search_text = self.folded_search_text()
        update_fields = kwargs.get("update_fields")
        if update_fields is not None and set(self.SEARCH_FIELDS) & set(update_fields):
            kwargs["update_fields"] = {*update_fields, "search_text"}
        super().save(*args, **kwargs)


def trigram_extension():
    """A migration operation: ``CREATE EXTENSION IF NOT EXISTS pg_trgm`` on PostgreSQL, nothing elsewhere.

    Undoing it leaves the extension in place: indexes of other apps may use it.
    """
    from django.db import migrations

    def forwards(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")

    return migrations.RunPython(forwards, migrations.RunPython.noop, elidable=False)


def trigram_search_index(table: str, name: str, column: str = "search_text"):
    """A migration operation: a GIN trigram index on ``table.column``, on PostgreSQL only.

    ``LIKE '%word%'`` (what ``search_folded`` asks) reads such an index instead of every row, for words
    of three letters or more. It creates the ``pg_trgm`` extension first if the database lacks it, and
    builds the index ``CONCURRENTLY`` (the migration must be ``atomic = False``) so that writes go on
    while it is built. SQLite keeps its plain scan: the operation does nothing there.
    """
    from django.db import migrations

    def forwards(apps, schema_editor):
        if schema_editor.connection.vendor != "postgresql":
            return
        schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
        schema_editor.execute(
            f"CREATE INDEX CONCURRENTLY IF NOT EXISTS {name} ON {table} USING gin ({column} gin_trgm_ops)"
        )

    def backwards(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.execute(f"DROP INDEX CONCURRENTLY IF EXISTS {name}")

    return migrations.RunPython(forwards, backwards, elidable=False)
