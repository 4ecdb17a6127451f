-- What each reminder sent named (one owed item a line), so that an item owed later at the same
-- stage and due date goes in a new reminder, and one already named does not go again.
ALTER TABLE reminder_log ADD COLUMN items TEXT NOT NULL DEFAULT '';
