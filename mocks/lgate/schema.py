"""The e-portal's account store (アカウント情報) as SQLite tables.

Users, orgs, classes and enrollments are kept as the e-portal holds them: the columns it looks
things up by, plus ``data``, the record's full OneRoster row as canonical JSON (sorted keys), so
"did this bulk change the record?" is one text comparison in SQL. ``manual`` marks records
entered by hand (teachers, pilot §3.1) that no export carries and no bulk may touch.
"""

from __future__ import annotations

SCHEMA_SQL = """
CREATE TABLE IF NOT EXISTS meta (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS orgs (
    sourced_id TEXT PRIMARY KEY,
    name TEXT NOT NULL DEFAULT '',
    type TEXT NOT NULL DEFAULT '',
    identifier TEXT NOT NULL DEFAULT '',
    parent_sourced_id TEXT NOT NULL DEFAULT '',
    data TEXT NOT NULL,
    manual INTEGER NOT NULL DEFAULT 0,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS classes (
    sourced_id TEXT PRIMARY KEY,
    title TEXT NOT NULL DEFAULT '',
    class_type TEXT NOT NULL DEFAULT '',
    school_sourced_id TEXT NOT NULL DEFAULT '',
    grades TEXT NOT NULL DEFAULT '',
    data TEXT NOT NULL,
    manual INTEGER NOT NULL DEFAULT 0,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS users (
    sourced_id TEXT PRIMARY KEY,
    user_master_identifier TEXT NOT NULL DEFAULT '',
    username TEXT NOT NULL DEFAULT '',
    status TEXT NOT NULL DEFAULT 'active',
    enabled_user INTEGER NOT NULL DEFAULT 1,
    role TEXT NOT NULL DEFAULT 'student',
    given_name TEXT NOT NULL DEFAULT '',
    family_name TEXT NOT NULL DEFAULT '',
    grades TEXT NOT NULL DEFAULT '',
    primary_org TEXT NOT NULL DEFAULT '',
    home_class TEXT NOT NULL DEFAULT '',
    data TEXT NOT NULL,
    manual INTEGER NOT NULL DEFAULT 0,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS users_umi ON users (user_master_identifier);
CREATE TABLE IF NOT EXISTS enrollments (
    sourced_id TEXT PRIMARY KEY,
    class_sourced_id TEXT NOT NULL DEFAULT '',
    school_sourced_id TEXT NOT NULL DEFAULT '',
    user_sourced_id TEXT NOT NULL DEFAULT '',
    role TEXT NOT NULL DEFAULT '',
    is_primary INTEGER NOT NULL DEFAULT 0,
    data TEXT NOT NULL,
    manual INTEGER NOT NULL DEFAULT 0,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS enrollments_user ON enrollments (user_sourced_id);
CREATE INDEX IF NOT EXISTS enrollments_class ON enrollments (class_sourced_id);
CREATE TABLE IF NOT EXISTS initial_passwords (
    user_master_identifier TEXT PRIMARY KEY,
    user_principal_name TEXT NOT NULL,
    algorithm TEXT NOT NULL,
    salt BLOB NOT NULL,
    hash BLOB NOT NULL,
    set_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS imports (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    kind TEXT NOT NULL,
    at TEXT NOT NULL,
    summary TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS launches (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    at TEXT NOT NULL,
    user_master_identifier TEXT NOT NULL,
    tool TEXT NOT NULL,
    client_id TEXT NOT NULL,
    message_type TEXT NOT NULL,
    context_id TEXT,
    roles TEXT NOT NULL
);
"""

#: The entity tables a bulk import writes, in the order it writes them.
ENTITY_TABLES = ("orgs", "classes", "users", "enrollments")
