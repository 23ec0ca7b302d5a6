-- What the terminal browser lists of each registry entry (status, purpose, kind, replacement, bug count,
-- function names, capabilities), as a small JSON object written beside the full entry: listing 10,000
-- entries then decodes 10,000 small objects instead of parsing every full entry seven times in SQL.
-- Filled by the next sync (the registry's part key changes with this column, so every entry is rewritten).
ALTER TABLE registry_entries ADD COLUMN brief TEXT;
