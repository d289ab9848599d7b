"""SQLite database file encrypted whole with SQLCipher (the default, single-file mode).

Set as ENGINE ``bordermonitor.core.sqlcipher`` by the settings whenever DATABASE_URL
is a SQLite one.  See `base.DatabaseWrapper`.
"""
