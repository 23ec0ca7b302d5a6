-- Facts are kept deflated (analysis/packed-facts.ts): about a tenth of their JSON, written and read as bytes.
-- The JSON rows are not converted: facts are a cache, and the engine key that came with this change drops
-- every file row that pointed at them.
DROP TABLE facts;

CREATE TABLE facts (
  hash  TEXT PRIMARY KEY NOT NULL,
  facts BLOB NOT NULL
) STRICT;
