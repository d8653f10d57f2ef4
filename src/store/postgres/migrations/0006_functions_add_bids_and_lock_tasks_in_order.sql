-- Bids are stored in batches, one call of add_bids per batch, which locks the batch's task rows
-- through lock_tasks_in_order (both in functions/). Drops add_bid, the one-bid function, where a
-- schema has it.
DROP FUNCTION IF EXISTS add_bid(text, text, bigint, bigint, text, bigint, text);
