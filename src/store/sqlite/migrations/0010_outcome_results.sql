-- What an agent handed back with its outcome (an A2A agent's artifacts, or what an agent sends with
-- `complete`): a JSON object as text, null when it gave none. Sealed with its outcome in the ledger,
-- whose body has the field only when it is not null, so outcomes sealed before read as sealed.
ALTER TABLE outcomes ADD COLUMN result TEXT;
