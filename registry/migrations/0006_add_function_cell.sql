-- Functions defined in notebooks: `line` stays the line of the notebook's code cells joined (what the
-- audit's findings are placed from); beside it, the cell (1-based, markdown cells counted), the line in
-- that cell and the line of the notebook's JSON, which is what people and annotations are shown.
-- NULL for every other file.
ALTER TABLE functions ADD COLUMN cell INTEGER;
ALTER TABLE functions ADD COLUMN cell_line INTEGER;
ALTER TABLE functions ADD COLUMN json_line INTEGER;
