-- The provenance ledger (`.provenant/ledger.db`): an index of every stamp provenant wrote, for `log`,
-- `lineage` and the fast path of `verify`. The sidecar stamps are the truth; `provenant ledger rebuild`
-- restores this file from them.

-- One row per `provenant run` (or `investigate --record`) that stamps. A run stamps in three steps:
-- `pending` (temporary sidecars planned), `written` (every temporary sidecar complete on disk), then the
-- renames and `done`. A process killed in between leaves a row that the next open finishes (`written`:
-- roll forward) or undoes (`pending`: delete the temporary files), so no stamp is ever half there.
CREATE TABLE runs (
  id         TEXT PRIMARY KEY NOT NULL,
  pid        INTEGER NOT NULL,
  state      TEXT NOT NULL CHECK (state IN ('pending', 'written', 'done')),
  started_at TEXT NOT NULL
) STRICT, WITHOUT ROWID;

CREATE TABLE stamps (
  id              INTEGER PRIMARY KEY,
  run_id          TEXT NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
  -- root-relative, `/`-separated
  artifact        TEXT NOT NULL,
  sidecar         TEXT NOT NULL,
  tmp             TEXT,
  stamp_sha256    TEXT NOT NULL,
  artifact_sha256 TEXT NOT NULL,
  producer        TEXT,
  git_commit      TEXT,
  created_at      TEXT NOT NULL,
  summary         TEXT NOT NULL
) STRICT;

CREATE INDEX stamps_artifact ON stamps (artifact, id);
CREATE INDEX stamps_producer ON stamps (producer);
CREATE INDEX stamps_run ON stamps (run_id);

CREATE TABLE stamp_inputs (
  stamp_id     INTEGER NOT NULL REFERENCES stamps (id) ON DELETE CASCADE,
  input        TEXT NOT NULL,
  input_sha256 TEXT NOT NULL,
  PRIMARY KEY (stamp_id, input)
) STRICT, WITHOUT ROWID;

CREATE INDEX stamp_inputs_input ON stamp_inputs (input);

-- The verify fast path: a file whose size, mtime (ns) and inode match its row is not rehashed.
CREATE TABLE digests (
  path     TEXT PRIMARY KEY NOT NULL,
  size     INTEGER NOT NULL,
  mtime_ns TEXT NOT NULL,
  ino      TEXT NOT NULL,
  sha256   TEXT NOT NULL
) STRICT, WITHOUT ROWID;
