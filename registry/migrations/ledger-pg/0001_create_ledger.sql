-- The shared provenance ledger on PostgreSQL: one schema per project, written by every clone and machine
-- that stamps (`[tool.provenant.provenance] ledger = "postgresql://…"` or PROVENANT_LEDGER_URL). It holds
-- the same stamp rows as the SQLite ledger; the crash-safe run journal and the verify stat cache stay in
-- each clone's `.provenant/ledger.db`, because they describe one file system. The sidecar stamps are the
-- truth: `provenant ledger rebuild` fills this schema from them, `provenant ledger sync` sends rows that
-- could not be sent when they were made.

CREATE TABLE stamps (
  id              BIGSERIAL PRIMARY KEY,
  run_id          TEXT NOT NULL,
  -- root-relative, `/`-separated
  artifact        TEXT NOT NULL,
  sidecar         TEXT NOT NULL,
  stamp_sha256    TEXT NOT NULL,
  artifact_sha256 TEXT NOT NULL,
  producer        TEXT,
  git_commit      TEXT,
  created_at      TEXT NOT NULL,
  summary         TEXT NOT NULL,
  recorded_at     TIMESTAMPTZ NOT NULL DEFAULT now(),
  -- a stamp's bytes name its run, so this pair is one stamp: sending it twice (a retried sync, a
  -- rebuild after a sync) records it once
  UNIQUE (artifact, stamp_sha256)
);

CREATE INDEX stamps_artifact ON stamps (artifact, created_at, id);
CREATE INDEX stamps_producer ON stamps (producer);
CREATE INDEX stamps_artifact_sha256 ON stamps (artifact_sha256);

CREATE TABLE stamp_inputs (
  stamp_id     BIGINT NOT NULL REFERENCES stamps (id) ON DELETE CASCADE,
  input        TEXT NOT NULL,
  input_sha256 TEXT NOT NULL,
  PRIMARY KEY (stamp_id, input)
);

CREATE INDEX stamp_inputs_input ON stamp_inputs (input);
