-- Why a hard filter refused a bid (required capability, max bid, capacity, offline, excluded);
-- null for an eligible bid, and for every bid logged before filters existed.
ALTER TABLE bids ADD COLUMN rejection TEXT;
