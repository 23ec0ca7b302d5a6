-- The implementation registry's index (`provenant registry sync`): rebuildable from the code, git and
-- the annotations file at any time, so nothing here is the only copy of anything.

-- What sync learned from one registered file's bytes alone (docstring, CLI, definitions, import and
-- script-call candidates, data paths), reused while its mtime and size, or else its content hash, match.
-- `part` is JSON; `hash` also keeps the file's facts from being dropped as orphans.
CREATE TABLE registry_files (
  path     TEXT PRIMARY KEY NOT NULL,
  mtime_ms REAL NOT NULL,
  size     INTEGER NOT NULL,
  hash     TEXT NOT NULL,
  part     TEXT NOT NULL
) STRICT;

CREATE INDEX registry_files_hash ON registry_files (hash);

-- One RegistryEntry (JSON) per registered file, as the last sync built it. `id` is the rowid of the
-- file's row in `registry_search`.
CREATE TABLE registry_entries (
  id    INTEGER PRIMARY KEY,
  path  TEXT NOT NULL UNIQUE,
  entry TEXT NOT NULL
) STRICT;

-- Full-text search over what a person would type to ask "does this exist?". Underscores and dots
-- separate words, so `get_token_logprobs` is found by `logprobs` and `token`.
CREATE VIRTUAL TABLE registry_search USING fts5(
  path,
  name,
  purpose,
  docstring,
  defs,
  args,
  tokenize = 'unicode61 remove_diacritics 2'
);
