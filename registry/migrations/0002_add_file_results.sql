-- Per-file rule results, so a warm run neither decodes facts nor runs rules for a file nothing about
-- changed. `results_key` names what the results depend on beyond the file's bytes (config, loaders,
-- the file tree); `results` is the JSON array of findings, code frames included.
ALTER TABLE files ADD COLUMN results_key TEXT;
ALTER TABLE files ADD COLUMN results TEXT;
