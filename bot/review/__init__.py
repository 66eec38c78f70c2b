"""Supervisor review: monthly reports, spreadsheet exports and the unanswered-question queue."""
