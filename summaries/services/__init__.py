"""Every write of the summaries app (DESIGN §2): tallies, compliance reminders, the summaries' workflow."""
