-- The function index behind `provenant registry similar` and DUP001: every function of the indexed
-- Python files with its winnowed shingles, and postings from each shingle to the functions holding it,
-- so the candidates for a few functions come from one query. Rebuildable from the code at any time.

-- One row per indexed file, at the version that was indexed (its content hash, and the stat that
-- lets a later run trust it without reading the file). `mtime_ms` is -1 for content that never was
-- the working file's (staged content), so the next run indexes the working file again.
CREATE TABLE function_files (
  path     TEXT PRIMARY KEY NOT NULL,
  hash     TEXT NOT NULL,
  mtime_ms REAL NOT NULL,
  size     INTEGER NOT NULL
) STRICT, WITHOUT ROWID;

-- `shingles` holds the sorted unique 32-bit hashes, little-endian, 4 bytes each.
CREATE TABLE functions (
  id       INTEGER PRIMARY KEY,
  path     TEXT NOT NULL REFERENCES function_files (path) ON DELETE CASCADE,
  qualname TEXT NOT NULL,
  line     INTEGER NOT NULL,
  col      INTEGER NOT NULL,
  tokens   INTEGER NOT NULL,
  shingles BLOB NOT NULL
) STRICT;

CREATE INDEX functions_path ON functions (path);

-- Clustered by shingle: counting the shared shingles of a query function is a range scan per shingle.
-- Rows are deleted by (shingle, function) from the function's own shingles, so no second index is kept.
CREATE TABLE function_postings (
  shingle  INTEGER NOT NULL,
  function INTEGER NOT NULL,
  PRIMARY KEY (shingle, function)
) STRICT, WITHOUT ROWID;
