-- A zone whose data are examples (the try-out of `ecociv demo`): every page and document of it
-- says so. Once set it stays set: loading a newer plan into the zone keeps the mark.
ALTER TABLE zones ADD COLUMN example_data BOOLEAN NOT NULL DEFAULT FALSE;
