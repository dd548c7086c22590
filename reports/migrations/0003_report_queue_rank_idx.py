"""An index in the review queue's order: status, urgent, alert rank, oldest first (bench/reports.py).

The queue orders by a CASE over alert_level (reports.selectors.review_queue), which no column index
can serve: on 1,000,000 reports the city federation's first page sorted all ~22,000 submitted
reports (spilling to disk) in ~500 ms. With this expression index PostgreSQL reads the first 50 in
order and stops (~2 ms). The expression must stay the same as the selector's CASE, or the planner
no longer matches it (docs/benchmarks.md). Plain SQL, valid on PostgreSQL and SQLite; the model
state does not change, so makemigrations stays quiet.
"""

from django.db import migrations

CREATE = (
    "CREATE INDEX report_queue_rank_idx ON reports_report (status, urgent DESC, "
    "(CASE WHEN alert_level = 'hot_spot' THEN 3 WHEN alert_level = 'complex' THEN 2 "
    "WHEN alert_level = 'watch' THEN 1 ELSE 0 END) DESC, submitted_at, id)"
)
DROP = "DROP INDEX report_queue_rank_idx"


class Migration(migrations.Migration):
    dependencies = [("reports", "0002_seed_taxonomy")]

    operations = [migrations.RunSQL(CREATE, reverse_sql=DROP)]
