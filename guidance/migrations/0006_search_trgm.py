"""A GIN trigram index for the guidance library's search on PostgreSQL (core.search.trigram_search_index)."""

from django.db import migrations

from core.search import trigram_search_index


class Migration(migrations.Migration):
    atomic = False

    dependencies = [("guidance", "0005_pulse_recipient_pulse")]

    operations = [trigram_search_index("guidance_guidancenote", "note_search_trgm")]
