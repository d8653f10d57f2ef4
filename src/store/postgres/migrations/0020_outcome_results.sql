-- What an agent handed back with its outcome, as on SQLite (its migration 0010): a JSON object as
-- text, null when it gave none; sealed with its outcome, the ledger body having the field only then.
ALTER TABLE outcomes ADD COLUMN result text;
