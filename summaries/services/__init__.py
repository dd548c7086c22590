"""Every write of the summaries app: tallies, compliance reminders, the summaries' workflow."""
