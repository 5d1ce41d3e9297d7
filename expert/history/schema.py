"""The history database's schema, one migration per version; a database is only ever migrated forwards.

Each step is frozen once released: a database made by any earlier release is brought up to date by
running the steps after its version, in one transaction.
"""
from __future__ import annotations

__all__ = ["APPLICATION_ID", "MIGRATIONS", "LATEST"]

APPLICATION_ID = 0x43455850  # "CEXP" in the file header (PRAGMA application_id): marks the file as ours

MIGRATIONS: tuple[tuple[str, ...], ...] = (
    (  # 1: the first release — assessments only
        "CREATE TABLE schema_version (version INTEGER NOT NULL)",
        "INSERT INTO schema_version (version) VALUES (0)",
        """CREATE TABLE assessment (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            community TEXT NOT NULL,
            as_of TEXT NOT NULL,
            kind TEXT NOT NULL,
            recorded_at TEXT NOT NULL,
            situation TEXT NOT NULL,
            plan TEXT NOT NULL,
            metrics TEXT,
            fingerprint TEXT)""",
    ),
    (  # 2: action follow-up, members' side, a lookup by community
        """CREATE TABLE follow_up (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            community TEXT NOT NULL,
            action_id TEXT NOT NULL,
            status TEXT NOT NULL CHECK (status IN ('started', 'done', 'dropped')),
            note TEXT NOT NULL DEFAULT '',
            on_date TEXT NOT NULL,
            assessment_id INTEGER REFERENCES assessment(id) ON DELETE SET NULL)""",
        """CREATE TABLE member_note (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            community TEXT NOT NULL,
            note TEXT NOT NULL,
            on_date TEXT NOT NULL)""",
        "CREATE INDEX assessment_by_community ON assessment (community, as_of, id)",
        "CREATE INDEX follow_up_by_community ON follow_up (community, action_id, id)",
    ),
)
LATEST = len(MIGRATIONS)
