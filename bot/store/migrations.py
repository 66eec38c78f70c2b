"""Schema migrations, registered by name and applied once each, in order."""

MIGRATIONS: list[tuple[str, str]] = [
    ("0001_processed_events", """
        CREATE TABLE processed_events (
            event_id TEXT PRIMARY KEY,
            received_at INTEGER NOT NULL
        )
    """),
]
