"""The answer engine: pure functions from a question's text to an Answer (no LINE, no Flask, no database)."""
