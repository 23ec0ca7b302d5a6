-- The last full audit's findings, kept whole under a key of everything they came from (audit/run-memo.ts),
-- so an unchanged tree is answered without reading the per-file rows. A memo is one or more rows (`run`, then
-- `run:000001`, …) of bytes (the report's text, printed as it is). A rowid table: the payload lives in overflow pages.
CREATE TABLE memo_bytes (
  name  TEXT PRIMARY KEY NOT NULL,
  value BLOB NOT NULL
) STRICT;
