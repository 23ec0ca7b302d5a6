-- The facts cache: one row per discovered file (what the scan learned without parsing it again) and
-- the extracted facts by content hash, so a warm run parses only files whose bytes changed.

-- Cache-wide settings, such as the engine key the rows were computed with.
CREATE TABLE meta (
  key   TEXT PRIMARY KEY NOT NULL,
  value TEXT NOT NULL
) STRICT, WITHOUT ROWID;

-- A file is unchanged when its mtime and size match; then `hash` names its facts.
-- `matches` and `suppressions` are JSON arrays.
CREATE TABLE files (
  path         TEXT PRIMARY KEY NOT NULL,
  mtime_ms     REAL NOT NULL,
  size         INTEGER NOT NULL,
  hash         TEXT NOT NULL,
  matches      TEXT NOT NULL,
  hint         INTEGER NOT NULL CHECK (hint IN (0, 1)),
  skip         TEXT,
  suppressions TEXT NOT NULL
) STRICT, WITHOUT ROWID;

-- Finds the facts no file row refers to any more.
CREATE INDEX files_hash ON files (hash);

-- `facts` is the JSON of one file's FileFacts. Rows are large (tens of kilobytes and more), so this
-- stays a rowid table: its primary key index is small and the payload lives in overflow pages.
CREATE TABLE facts (
  hash  TEXT PRIMARY KEY NOT NULL,
  facts TEXT NOT NULL
) STRICT;
