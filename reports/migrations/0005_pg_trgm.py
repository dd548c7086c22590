"""PostgreSQL's pg_trgm extension and trigram indexes for the reports' and rumours' search.

Search asks ``search_text LIKE '%word%'`` for each folded word (core.search.search_folded), which a
B-tree cannot serve: on 1,000,000 reports a search in the queue read every row. A GIN trigram index
answers it from the index (docs/benchmarks.md). The extension is created here, on PostgreSQL only, so
later migrations may rely on it by depending on this one (it does nothing on other databases, and
undoing it leaves the extension); SQLite keeps its plain scan. The indexes are built concurrently,
outside a transaction.
"""

from django.db import migrations

from core.search import trigram_extension, trigram_search_index


class Migration(migrations.Migration):
    atomic = False

    dependencies = [("reports", "0004_report_report_updated_idx_and_more")]

    operations = [
        trigram_extension(),
        trigram_search_index("reports_report", "report_search_trgm"),
        trigram_search_index("reports_rumour", "rumour_search_trgm"),
    ]
