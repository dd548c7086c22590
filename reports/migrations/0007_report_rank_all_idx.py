"""The review queue's order without the status, for "all statuses" (bench/web.py, docs/benchmarks.md).

``report_queue_rank_idx`` starts with the status, so a queue of every status could not read it in order:
on 1,000,000 reports the city's "all statuses" page was a parallel scan of the table and a top-N sort
(2.7 s). This index has the same order (urgent, the alert rank CASE word for word as in
``reports.selectors.review_queue``, oldest first, id), so the page reads the first rows and stops; a
filter on kind, topic, urgency or the unit is applied while walking it, and the unit and date filters
also have their own indexes (``report_unit_status_idx``, ``report_unit_month_idx``, ``report_first_sent_idx``).
Plain SQL, valid on PostgreSQL and SQLite; no model change.
"""

from django.db import migrations

CREATE = (
    "CREATE INDEX report_rank_all_idx ON reports_report (urgent DESC, "
    "(CASE WHEN alert_level = 'hot_spot' THEN 3 WHEN alert_level = 'complex' THEN 2 "
    "WHEN alert_level = 'watch' THEN 1 ELSE 0 END) DESC, submitted_at, id)"
)
DROP = "DROP INDEX report_rank_all_idx"


class Migration(migrations.Migration):
    dependencies = [("reports", "0006_unit_report_counts")]

    operations = [migrations.RunSQL(CREATE, reverse_sql=DROP)]
