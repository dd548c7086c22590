"""A GIN trigram index for the roster's search on PostgreSQL (core.search.trigram_search_index)."""

from django.db import migrations

from core.search import trigram_search_index


class Migration(migrations.Migration):
    atomic = False

    dependencies = [("collaborators", "0005_activity_facts")]

    operations = [trigram_search_index("collaborators_user", "person_search_trgm")]
