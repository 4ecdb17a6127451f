-- PostgreSQL notifies the other instances of each commit (LISTEN/NOTIFY). SQLite serves one
-- process, whose watcher reads PRAGMA data_version: nothing to do here.
SELECT 1;
