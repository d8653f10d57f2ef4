-- What a new schema holds once migrated: the items of schemaSnapshot (pg-schema-snapshot.ts),
-- sorted, separated by the line below. Produced once, by opening a PostgresStore of commit 70394c8
-- (whose migrations still held every function body) on a new schema of PostgreSQL 15 and taking
-- schemaSnapshot of it; not by the code under test. pg-schema.test.ts compares a schema migrated
-- now with it. Regenerate it only for a deliberate change of the schema; a change of a function
-- comes with a new migration version, or schemas migrated before would keep the old definition
-- (pg-migrator.ts, MigrationSteps.functions). Deliberate changes since, each added here by hand:
-- outcomes.result (migration 0020); decisions.confidence and its argument of commit_decisions and
-- commit_decisions_unflushed (migration 0021).
-- ----------------------------------------------------------------
column agent_counter_deltas #1 agent_key integer not null
-- ----------------------------------------------------------------
column agent_counter_deltas #2 considered bigint not null
-- ----------------------------------------------------------------
column agent_counter_deltas #3 bids bigint not null
-- ----------------------------------------------------------------
column agent_counter_deltas #4 won bigint not null
-- ----------------------------------------------------------------
column agent_counter_deltas #5 winning_bid_sum bigint not null
-- ----------------------------------------------------------------
column agent_counters #1 agent_key integer not null
-- ----------------------------------------------------------------
column agent_counters #2 considered bigint not null
-- ----------------------------------------------------------------
column agent_counters #3 bids bigint not null
-- ----------------------------------------------------------------
column agent_counters #4 won bigint not null
-- ----------------------------------------------------------------
column agent_counters #5 winning_bid_sum bigint not null
-- ----------------------------------------------------------------
column agent_keys #1 agent_key integer not null identity d
-- ----------------------------------------------------------------
column agent_keys #2 agent_id text not null collate C
-- ----------------------------------------------------------------
column agent_load_deltas #1 agent_id text not null
-- ----------------------------------------------------------------
column agent_load_deltas #2 delta integer not null
-- ----------------------------------------------------------------
column agent_loads #1 agent_id text not null
-- ----------------------------------------------------------------
column agent_loads #2 n bigint not null
-- ----------------------------------------------------------------
column agents #1 agent_id text not null collate C
-- ----------------------------------------------------------------
column agents #2 manifest text not null
-- ----------------------------------------------------------------
column agents #3 token_hash bytea
-- ----------------------------------------------------------------
column agents #4 registered_ms bigint not null
-- ----------------------------------------------------------------
column agents #5 heartbeat_ms bigint not null
-- ----------------------------------------------------------------
column candidates #1 agent_key integer not null
-- ----------------------------------------------------------------
column candidates #2 seq bigint not null
-- ----------------------------------------------------------------
column decisions #1 seq bigint not null
-- ----------------------------------------------------------------
column decisions #10 reason text not null
-- ----------------------------------------------------------------
column decisions #11 hash bytea not null
-- ----------------------------------------------------------------
column decisions #12 bids bytea not null
-- ----------------------------------------------------------------
column decisions #13 confidence double precision
-- ----------------------------------------------------------------
column decisions #2 decision_id bytea not null
-- ----------------------------------------------------------------
column decisions #3 task_id text not null collate C
-- ----------------------------------------------------------------
column decisions #4 description text not null
-- ----------------------------------------------------------------
column decisions #5 ts_ms bigint not null
-- ----------------------------------------------------------------
column decisions #6 policy_key integer not null
-- ----------------------------------------------------------------
column decisions #7 roster_key integer not null
-- ----------------------------------------------------------------
column decisions #8 capability bytea not null
-- ----------------------------------------------------------------
column decisions #9 selected_key integer
-- ----------------------------------------------------------------
column ledger #1 entry_seq bigint not null
-- ----------------------------------------------------------------
column ledger #2 kind text not null
-- ----------------------------------------------------------------
column ledger #3 subject text not null collate C
-- ----------------------------------------------------------------
column ledger #4 body text not null
-- ----------------------------------------------------------------
column ledger #5 anchor_seq bigint not null
-- ----------------------------------------------------------------
column ledger #6 anchor_hash bytea not null
-- ----------------------------------------------------------------
column ledger #7 hash bytea not null
-- ----------------------------------------------------------------
column ledger_pending #1 pending_id bigint not null identity d
-- ----------------------------------------------------------------
column ledger_pending #2 kind text not null
-- ----------------------------------------------------------------
column ledger_pending #3 subject text not null collate C
-- ----------------------------------------------------------------
column ledger_pending #4 detail text collate C
-- ----------------------------------------------------------------
column outcomes #1 outcome_seq bigint not null identity d
-- ----------------------------------------------------------------
column outcomes #2 seq bigint not null
-- ----------------------------------------------------------------
column outcomes #3 agent_key integer not null
-- ----------------------------------------------------------------
column outcomes #4 completed boolean not null
-- ----------------------------------------------------------------
column outcomes #5 duration_ms double precision
-- ----------------------------------------------------------------
column outcomes #6 recorded_ms bigint not null
-- ----------------------------------------------------------------
column outcomes #7 result text
-- ----------------------------------------------------------------
column policies #1 policy_key integer not null identity d
-- ----------------------------------------------------------------
column policies #2 spec text not null
-- ----------------------------------------------------------------
column roster_members #1 agent_key integer not null
-- ----------------------------------------------------------------
column roster_members #2 roster_key integer not null
-- ----------------------------------------------------------------
column rosters #1 roster_key integer not null identity d
-- ----------------------------------------------------------------
column rosters #2 members bytea not null
-- ----------------------------------------------------------------
column schema_migrations #1 version integer not null
-- ----------------------------------------------------------------
column schema_migrations #2 name text not null
-- ----------------------------------------------------------------
column schema_migrations #3 applied_at_ms bigint not null
-- ----------------------------------------------------------------
column task_events #1 event_id bigint not null identity d
-- ----------------------------------------------------------------
column task_events #2 kind text not null
-- ----------------------------------------------------------------
column task_events #3 task_id text not null collate C
-- ----------------------------------------------------------------
column task_events #4 agent_id text collate C
-- ----------------------------------------------------------------
column task_events #5 at_ms bigint not null
-- ----------------------------------------------------------------
column task_events #6 data text not null
-- ----------------------------------------------------------------
column task_events #7 seq_token text
-- ----------------------------------------------------------------
column tasks #1 task_id text not null collate C
-- ----------------------------------------------------------------
column tasks #10 offer_index integer not null
-- ----------------------------------------------------------------
column tasks #11 assigned_agent text collate C
-- ----------------------------------------------------------------
column tasks #12 reserved_until_ms bigint
-- ----------------------------------------------------------------
column tasks #13 failures integer not null
-- ----------------------------------------------------------------
column tasks #14 version integer not null
-- ----------------------------------------------------------------
column tasks #15 updated_ms bigint not null
-- ----------------------------------------------------------------
column tasks #16 due_ms bigint
-- ----------------------------------------------------------------
column tasks #17 claimed_until_ms bigint
-- ----------------------------------------------------------------
column tasks #18 decision_id bytea
-- ----------------------------------------------------------------
column tasks #19 bid_agents text[] not null default '{}'::text[]
-- ----------------------------------------------------------------
column tasks #2 description text not null
-- ----------------------------------------------------------------
column tasks #20 bid_sats bigint[] not null default '{}'::bigint[]
-- ----------------------------------------------------------------
column tasks #21 bid_received_ms bigint[] not null default '{}'::bigint[]
-- ----------------------------------------------------------------
column tasks #3 constraints text not null
-- ----------------------------------------------------------------
column tasks #4 status text not null
-- ----------------------------------------------------------------
column tasks #5 created_ms bigint not null
-- ----------------------------------------------------------------
column tasks #6 closes_ms bigint not null
-- ----------------------------------------------------------------
column tasks #7 deadline_ms bigint
-- ----------------------------------------------------------------
column tasks #8 decision_seq bigint
-- ----------------------------------------------------------------
column tasks #9 candidates text not null
-- ----------------------------------------------------------------
constraint agent_counters agent_counters_pkey PRIMARY KEY (agent_key)
-- ----------------------------------------------------------------
constraint agent_keys agent_keys_agent_id_key UNIQUE (agent_id)
-- ----------------------------------------------------------------
constraint agent_keys agent_keys_pkey PRIMARY KEY (agent_key)
-- ----------------------------------------------------------------
constraint agent_loads agent_loads_pkey PRIMARY KEY (agent_id)
-- ----------------------------------------------------------------
constraint agents agents_pkey PRIMARY KEY (agent_id)
-- ----------------------------------------------------------------
constraint candidates candidates_pkey PRIMARY KEY (agent_key, seq)
-- ----------------------------------------------------------------
constraint decisions decisions_pkey PRIMARY KEY (seq)
-- ----------------------------------------------------------------
constraint ledger ledger_pkey PRIMARY KEY (entry_seq)
-- ----------------------------------------------------------------
constraint ledger_pending ledger_pending_pkey PRIMARY KEY (pending_id)
-- ----------------------------------------------------------------
constraint outcomes outcomes_agent_key_fkey FOREIGN KEY (agent_key) REFERENCES <schema>.agent_keys(agent_key)
-- ----------------------------------------------------------------
constraint outcomes outcomes_pkey PRIMARY KEY (outcome_seq)
-- ----------------------------------------------------------------
constraint outcomes outcomes_seq_agent_key_key UNIQUE (seq, agent_key)
-- ----------------------------------------------------------------
constraint outcomes outcomes_seq_fkey FOREIGN KEY (seq) REFERENCES <schema>.decisions(seq)
-- ----------------------------------------------------------------
constraint policies policies_pkey PRIMARY KEY (policy_key)
-- ----------------------------------------------------------------
constraint policies policies_spec_key UNIQUE (spec)
-- ----------------------------------------------------------------
constraint roster_members roster_members_pkey PRIMARY KEY (agent_key, roster_key)
-- ----------------------------------------------------------------
constraint rosters rosters_members_key UNIQUE (members)
-- ----------------------------------------------------------------
constraint rosters rosters_pkey PRIMARY KEY (roster_key)
-- ----------------------------------------------------------------
constraint schema_migrations schema_migrations_pkey PRIMARY KEY (version)
-- ----------------------------------------------------------------
constraint task_events task_events_pkey PRIMARY KEY (event_id)
-- ----------------------------------------------------------------
constraint tasks tasks_pkey PRIMARY KEY (task_id)
-- ----------------------------------------------------------------
function add_bids(p_task_ids text[], p_agent_ids text[], p_bid_sats bigint[], p_at_ms bigint[], p_event_kinds text[], p_event_at_ms bigint[], p_event_data text[], p_wait boolean)
CREATE OR REPLACE FUNCTION <schema>.add_bids(p_task_ids text[], p_agent_ids text[], p_bid_sats bigint[], p_at_ms bigint[], p_event_kinds text[], p_event_at_ms bigint[], p_event_data text[], p_wait boolean)
 RETURNS TABLE(ord integer, code text, detail text, event_id bigint, task json)
 LANGUAGE plpgsql
 SET plan_cache_mode TO 'force_generic_plan'
 SET enable_seqscan TO 'off'
AS $function$
BEGIN
  PERFORM FROM lock_tasks_in_order(p_task_ids, p_wait);
  RETURN QUERY
  WITH input AS (
    SELECT u.ord::integer AS ord, u.task_id, u.agent_id, u.bid_sats, u.at_ms, u.kind, u.event_at_ms, u.data
    FROM unnest(p_task_ids, p_agent_ids, p_bid_sats, p_at_ms, p_event_kinds, p_event_at_ms, p_event_data)
      WITH ORDINALITY AS u (task_id, agent_id, bid_sats, at_ms, kind, event_at_ms, data, ord)
  ), checked AS (
    SELECT i.*,
      CASE WHEN t.task_id IS NULL THEN 'SR404' WHEN t.status <> 'open' OR t.closes_ms <= i.at_ms THEN 'SR409'
        WHEN i.agent_id = ANY (t.bid_agents) THEN 'SR410' END AS refusal,
      CASE WHEN t.task_id IS NULL THEN NULL WHEN t.status <> 'open' THEN t.status
        WHEN t.closes_ms <= i.at_ms THEN 'window' END AS why
    FROM input i LEFT JOIN tasks t ON t.task_id = i.task_id
  ), accepted AS (
    SELECT c.*, row_number() OVER (PARTITION BY c.task_id ORDER BY c.ord DESC) AS from_last
    FROM checked c WHERE c.refusal IS NULL
  ), bumped AS (
    UPDATE tasks t SET version = t.version + n.taken, updated_ms = n.last_at_ms,
      bid_agents = t.bid_agents || n.agents, bid_sats = t.bid_sats || n.sats,
      bid_received_ms = t.bid_received_ms || n.received
    FROM (SELECT a.task_id, count(*)::integer AS taken, max(a.at_ms) FILTER (WHERE a.from_last = 1) AS last_at_ms,
            array_agg(a.agent_id ORDER BY a.ord) AS agents, array_agg(a.bid_sats ORDER BY a.ord) AS sats,
            array_agg(a.at_ms ORDER BY a.ord) AS received
          FROM accepted a GROUP BY a.task_id) AS n
    WHERE t.task_id = n.task_id
    RETURNING t.task_id, t.description, t.constraints, t.status, t.created_ms, t.closes_ms, t.deadline_ms,
      t.decision_seq, t.candidates, t.offer_index, t.assigned_agent, t.reserved_until_ms, t.failures,
      t.version, t.updated_ms, t.bid_agents, t.bid_sats
  ), events AS (
    INSERT INTO task_events (kind, task_id, agent_id, at_ms, data)
    SELECT a.kind, a.task_id, a.agent_id, a.event_at_ms, a.data FROM accepted a ORDER BY a.ord
    RETURNING task_events.event_id, task_events.task_id, task_events.agent_id
  )
  SELECT c.ord, c.refusal, c.why, e.event_id, CASE WHEN a.from_last = 1 THEN row_to_json(t.*) END
  FROM checked c
  LEFT JOIN accepted a ON a.ord = c.ord
  LEFT JOIN events e ON e.task_id = c.task_id AND e.agent_id = c.agent_id AND a.ord IS NOT NULL
  LEFT JOIN bumped t ON t.task_id = c.task_id AND a.from_last = 1
  ORDER BY c.ord;
END
$function$

-- ----------------------------------------------------------------
function commit_decisions(p_task_ids text[], p_expected integer[], p_status text[], p_candidates text[], p_offer_index integer[], p_assigned text[], p_reserved bigint[], p_failures integer[], p_version integer[], p_updated bigint[], p_due bigint[], p_decision_ids bytea[], p_descriptions text[], p_ts bigint[], p_policy integer[], p_roster integer[], p_capability bytea[], p_selected integer[], p_reasons text[], p_bids bytea[], p_confidence double precision[], p_text bytea[], p_rest bytea[], p_b_ord integer[], p_b_agent integer[], p_b_outsider boolean[], p_b_won_sats bigint[], p_r_roster integer[], p_r_agent integer[], p_e_ord integer[], p_e_kind text[], p_e_task text[], p_e_agent text[], p_e_at bigint[], p_e_data text[], p_seq_token text, p_chain_lock bigint, p_wait boolean)
CREATE OR REPLACE FUNCTION <schema>.commit_decisions(p_task_ids text[], p_expected integer[], p_status text[], p_candidates text[], p_offer_index integer[], p_assigned text[], p_reserved bigint[], p_failures integer[], p_version integer[], p_updated bigint[], p_due bigint[], p_decision_ids bytea[], p_descriptions text[], p_ts bigint[], p_policy integer[], p_roster integer[], p_capability bytea[], p_selected integer[], p_reasons text[], p_bids bytea[], p_confidence double precision[], p_text bytea[], p_rest bytea[], p_b_ord integer[], p_b_agent integer[], p_b_outsider boolean[], p_b_won_sats bigint[], p_r_roster integer[], p_r_agent integer[], p_e_ord integer[], p_e_kind text[], p_e_task text[], p_e_agent text[], p_e_at bigint[], p_e_data text[], p_seq_token text, p_chain_lock bigint, p_wait boolean)
 RETURNS TABLE(ord integer, kept boolean, seq bigint, hash bytea, prev_hash bytea, event_ids bigint[], waits integer)
 LANGUAGE plpgsql
 SET plan_cache_mode TO 'force_generic_plan'
 SET enable_seqscan TO 'off'
AS $function$
DECLARE
  n integer := coalesce(array_length(p_task_ids, 1), 0);
  locked_ids text[];
  locked_versions integer[];
  wait_count integer := 0;
  kept_ords integer[] := '{}';
  taken text[] := '{}';
  found_at integer;
  i integer;
  head_seq bigint;
  prev bytea;
  seqs bigint[] := array_fill(NULL::bigint, ARRAY[n]);
  hashes bytea[] := array_fill(NULL::bytea, ARRAY[n]);
  prevs bytea[] := array_fill(NULL::bytea, ARRAY[n]);
  ids bigint[] := '{}';
BEGIN
  SELECT coalesce(array_agg(l.task_id), '{}'), coalesce(array_agg(l.version), '{}')
    INTO locked_ids, locked_versions
    FROM lock_tasks_in_order(p_task_ids, p_wait) AS l;
  FOR i IN 1 .. n LOOP
    found_at := array_position(locked_ids, p_task_ids[i]);
    IF found_at IS NOT NULL AND locked_versions[found_at] = p_expected[i] AND NOT (p_task_ids[i] = ANY (taken)) THEN
      kept_ords := kept_ords || i;
      taken := taken || p_task_ids[i];
    END IF;
  END LOOP;

  IF cardinality(kept_ords) > 0 THEN
    -- The task rows' new state, before the chain lock: the rows are this transaction's already
    -- (locked above), and the status change moves them in their indexes. decision_seq stays as it
    -- was (NULL): a read finds the seq through decision_id (below).
    UPDATE tasks t SET status = p_status[k], candidates = p_candidates[k],
      offer_index = p_offer_index[k], assigned_agent = p_assigned[k], reserved_until_ms = p_reserved[k],
      failures = p_failures[k], version = p_version[k], updated_ms = p_updated[k], due_ms = p_due[k],
      claimed_until_ms = NULL, decision_id = p_decision_ids[k]
    FROM unnest(kept_ords) AS k
    WHERE t.task_id = p_task_ids[k];
    -- Their state to seal, soon after commit (the sealer reads the row then: ledger_pending).
    INSERT INTO ledger_pending (kind, subject) SELECT 'task', p_task_ids[k] FROM unnest(kept_ords) AS k;
    -- The agents' counters as this batch's deltas, before the chain lock too: inserts into a table
    -- without a unique index never wait for one another (fold_agent_counter_deltas folds them in).
    INSERT INTO agent_counter_deltas (agent_key, considered, bids, won, winning_bid_sum)
    SELECT x.agent_key, sum(x.considered), sum(x.bids), sum(x.won), sum(x.winning_bid_sum)
    FROM (
      SELECT p_b_agent[b] AS agent_key, CASE WHEN p_b_outsider[b] THEN 1 ELSE 0 END AS considered, 1 AS bids,
        CASE WHEN p_b_won_sats[b] >= 0 THEN 1 ELSE 0 END AS won, greatest(p_b_won_sats[b], 0) AS winning_bid_sum
      FROM generate_subscripts(p_b_ord, 1) AS b WHERE p_b_ord[b] = ANY (kept_ords)
      UNION ALL
      SELECT p_r_agent[r], count(*), 0, 0, 0
      FROM generate_subscripts(p_r_roster, 1) AS r JOIN unnest(kept_ords) AS k ON p_roster[k] = p_r_roster[r]
      GROUP BY p_r_agent[r]
    ) AS x
    GROUP BY x.agent_key;
    -- The kept changes' events, before the chain lock too. An event that names its decision's seq
    -- keeps p_seq_token where the seq goes, and the token in seq_token: eventsAfter puts in its
    -- task's decision's seq (pg-tasks.ts). Identity values are drawn in the insert's order (the
    -- events' order); sorted, each meets its event.
    WITH inserted AS (
      INSERT INTO task_events (kind, task_id, agent_id, at_ms, data, seq_token)
      SELECT p_e_kind[x], p_e_task[x], p_e_agent[x], p_e_at[x], p_e_data[x],
        CASE WHEN strpos(p_e_data[x], p_seq_token) > 0 THEN p_seq_token END
      FROM generate_subscripts(p_e_ord, 1) AS x WHERE p_e_ord[x] = ANY (kept_ords) ORDER BY x
      RETURNING task_events.event_id
    ), pending AS (
      INSERT INTO ledger_pending (kind, subject) SELECT 'event', inserted.event_id::text FROM inserted
    )
    SELECT coalesce(array_agg(inserted.event_id ORDER BY inserted.event_id), '{}') INTO ids FROM inserted;
    IF NOT pg_try_advisory_xact_lock(p_chain_lock) THEN
      wait_count := wait_count + 1;
      PERFORM pg_advisory_xact_lock(p_chain_lock);
    END IF;
    -- A statement of its own, after the lock: its snapshot holds the previous holder's commit.
    SELECT d.seq, d.hash INTO head_seq, prev FROM decisions d ORDER BY d.seq DESC LIMIT 1;
    head_seq := coalesce(head_seq, 0);
    prev := coalesce(prev, decode(repeat('00', 32), 'hex'));
    FOREACH i IN ARRAY kept_ords LOOP
      head_seq := head_seq + 1;
      seqs[i] := head_seq;
      prevs[i] := prev;
      prev := sha256(convert_to(encode(prev, 'hex'), 'UTF8') || '\x0a'::bytea || p_text[i]
                     || float8_le(head_seq::double precision) || p_rest[i]);
      hashes[i] := prev;
    END LOOP;

    -- The writes that need the seqs, while the chain lock is held: the decisions, and the bidders
    -- their rosters do not name (none, when every bidder is registered).
    INSERT INTO decisions (seq, decision_id, task_id, description, ts_ms, policy_key, roster_key, capability,
      selected_key, reason, hash, bids, confidence)
    SELECT seqs[k], p_decision_ids[k], p_task_ids[k], p_descriptions[k], p_ts[k], p_policy[k], p_roster[k],
      p_capability[k], p_selected[k], p_reasons[k], hashes[k], p_bids[k], p_confidence[k]
    FROM unnest(kept_ords) AS k;
    IF true = ANY (p_b_outsider) THEN
      INSERT INTO candidates (agent_key, seq)
      SELECT p_b_agent[b], seqs[p_b_ord[b]] FROM generate_subscripts(p_b_ord, 1) AS b
      WHERE p_b_outsider[b] AND p_b_ord[b] = ANY (kept_ords);
    END IF;
  END IF;

  FOR i IN 1 .. n LOOP
    ord := i;
    kept := seqs[i] IS NOT NULL;
    seq := seqs[i];
    hash := hashes[i];
    prev_hash := prevs[i];
    event_ids := CASE WHEN i = 1 THEN ids END;
    waits := CASE WHEN i = 1 THEN wait_count END;
    RETURN NEXT;
  END LOOP;
END
$function$

-- ----------------------------------------------------------------
function commit_decisions_unflushed(p_task_ids text[], p_expected integer[], p_status text[], p_candidates text[], p_offer_index integer[], p_assigned text[], p_reserved bigint[], p_failures integer[], p_version integer[], p_updated bigint[], p_due bigint[], p_decision_ids bytea[], p_descriptions text[], p_ts bigint[], p_policy integer[], p_roster integer[], p_capability bytea[], p_selected integer[], p_reasons text[], p_bids bytea[], p_confidence double precision[], p_text bytea[], p_rest bytea[], p_b_ord integer[], p_b_agent integer[], p_b_outsider boolean[], p_b_won_sats bigint[], p_r_roster integer[], p_r_agent integer[], p_e_ord integer[], p_e_kind text[], p_e_task text[], p_e_agent text[], p_e_at bigint[], p_e_data text[], p_seq_token text, p_chain_lock bigint, p_wait boolean, p_unflushed boolean)
CREATE OR REPLACE FUNCTION <schema>.commit_decisions_unflushed(p_task_ids text[], p_expected integer[], p_status text[], p_candidates text[], p_offer_index integer[], p_assigned text[], p_reserved bigint[], p_failures integer[], p_version integer[], p_updated bigint[], p_due bigint[], p_decision_ids bytea[], p_descriptions text[], p_ts bigint[], p_policy integer[], p_roster integer[], p_capability bytea[], p_selected integer[], p_reasons text[], p_bids bytea[], p_confidence double precision[], p_text bytea[], p_rest bytea[], p_b_ord integer[], p_b_agent integer[], p_b_outsider boolean[], p_b_won_sats bigint[], p_r_roster integer[], p_r_agent integer[], p_e_ord integer[], p_e_kind text[], p_e_task text[], p_e_agent text[], p_e_at bigint[], p_e_data text[], p_seq_token text, p_chain_lock bigint, p_wait boolean, p_unflushed boolean)
 RETURNS TABLE(ord integer, kept boolean, seq bigint, hash bytea, prev_hash bytea, event_ids bigint[], waits integer)
 LANGUAGE plpgsql
AS $function$
DECLARE
  early boolean := p_unflushed;
BEGIN
  FOR ord, kept, seq, hash, prev_hash, event_ids, waits IN SELECT * FROM commit_decisions(
    p_task_ids, p_expected, p_status, p_candidates, p_offer_index, p_assigned, p_reserved, p_failures,
    p_version, p_updated, p_due, p_decision_ids, p_descriptions, p_ts, p_policy, p_roster, p_capability,
    p_selected, p_reasons, p_bids, p_confidence, p_text, p_rest, p_b_ord, p_b_agent, p_b_outsider,
    p_b_won_sats, p_r_roster, p_r_agent, p_e_ord, p_e_kind, p_e_task, p_e_agent, p_e_at, p_e_data, p_seq_token,
    p_chain_lock, p_wait)
  LOOP
    early := early OR coalesce(waits, 0) > 0; -- set on the first row: this batch waited for the chain
    RETURN NEXT;
  END LOOP;
  IF early THEN
    -- Local to the transaction, and not a SET clause of this function (which would end with the
    -- call, before the commit it is for).
    PERFORM set_config('synchronous_commit', 'off', true);
  END IF;
END
$function$

-- ----------------------------------------------------------------
function count_agent_load()
CREATE OR REPLACE FUNCTION <schema>.count_agent_load()
 RETURNS trigger
 LANGUAGE plpgsql
 SET search_path TO '<schema>'
AS $function$
BEGIN
  IF TG_OP <> 'INSERT' AND OLD.status IN ('offered', 'accepted') AND OLD.assigned_agent IS NOT NULL THEN
    INSERT INTO agent_load_deltas (agent_id, delta) VALUES (OLD.assigned_agent, -1);
  END IF;
  IF TG_OP <> 'DELETE' AND NEW.status IN ('offered', 'accepted') AND NEW.assigned_agent IS NOT NULL THEN
    INSERT INTO agent_load_deltas (agent_id, delta) VALUES (NEW.assigned_agent, 1);
  END IF;
  RETURN NULL;
END
$function$

-- ----------------------------------------------------------------
function count_open_tasks()
CREATE OR REPLACE FUNCTION <schema>.count_open_tasks()
 RETURNS bigint
 LANGUAGE plpgsql
 STABLE
 SET enable_bitmapscan TO 'off'
 SET enable_seqscan TO 'off'
AS $function$
BEGIN
  RETURN (SELECT count(*) FROM tasks WHERE status = 'open');
END
$function$

-- ----------------------------------------------------------------
function float8_le(x double precision)
CREATE OR REPLACE FUNCTION <schema>.float8_le(x double precision)
 RETURNS bytea
 LANGUAGE sql
 IMMUTABLE STRICT
AS $function$
  SELECT substring(float8send(x) FROM 8 FOR 1) || substring(float8send(x) FROM 7 FOR 1)
      || substring(float8send(x) FROM 6 FOR 1) || substring(float8send(x) FROM 5 FOR 1)
      || substring(float8send(x) FROM 4 FOR 1) || substring(float8send(x) FROM 3 FOR 1)
      || substring(float8send(x) FROM 2 FOR 1) || substring(float8send(x) FROM 1 FOR 1)
$function$

-- ----------------------------------------------------------------
function fold_agent_counter_deltas(p_fold_lock bigint)
CREATE OR REPLACE FUNCTION <schema>.fold_agent_counter_deltas(p_fold_lock bigint)
 RETURNS integer
 LANGUAGE plpgsql
AS $function$
DECLARE
  folded integer;
BEGIN
  IF NOT pg_try_advisory_xact_lock(p_fold_lock) THEN
    RETURN NULL;
  END IF;
  WITH gone AS (
    DELETE FROM agent_counter_deltas RETURNING *
  ), sums AS (
    SELECT agent_key, sum(considered) AS considered, sum(bids) AS bids, sum(won) AS won,
      sum(winning_bid_sum) AS winning_bid_sum, count(*) AS deltas
    FROM gone GROUP BY agent_key
  ), added AS (
    INSERT INTO agent_counters (agent_key, considered, bids, won, winning_bid_sum)
    SELECT agent_key, considered, bids, won, winning_bid_sum FROM sums
    ON CONFLICT (agent_key) DO UPDATE SET
      considered = agent_counters.considered + excluded.considered,
      bids = agent_counters.bids + excluded.bids,
      won = agent_counters.won + excluded.won,
      winning_bid_sum = agent_counters.winning_bid_sum + excluded.winning_bid_sum
  )
  SELECT coalesce(sum(deltas), 0) INTO folded FROM sums;
  RETURN folded;
END
$function$

-- ----------------------------------------------------------------
function fold_agent_load_deltas(p_fold_lock bigint)
CREATE OR REPLACE FUNCTION <schema>.fold_agent_load_deltas(p_fold_lock bigint)
 RETURNS integer
 LANGUAGE plpgsql
AS $function$
DECLARE
  folded integer;
BEGIN
  IF NOT pg_try_advisory_xact_lock(p_fold_lock) THEN
    RETURN NULL;
  END IF;
  WITH gone AS (
    DELETE FROM agent_load_deltas RETURNING *
  ), sums AS (
    SELECT agent_id, sum(delta) AS delta, count(*) AS deltas FROM gone GROUP BY agent_id
  ), added AS (
    INSERT INTO agent_loads (agent_id, n)
    SELECT agent_id, delta FROM sums
    ON CONFLICT (agent_id) DO UPDATE SET n = agent_loads.n + excluded.n
  )
  SELECT coalesce(sum(deltas), 0) INTO folded FROM sums;
  RETURN folded;
END
$function$

-- ----------------------------------------------------------------
function lock_tasks_in_order(p_task_ids text[], p_wait boolean)
CREATE OR REPLACE FUNCTION <schema>.lock_tasks_in_order(p_task_ids text[], p_wait boolean)
 RETURNS TABLE(task_id text, version integer)
 LANGUAGE plpgsql
 SET plan_cache_mode TO 'force_generic_plan'
 SET enable_seqscan TO 'off'
 SET client_min_messages TO 'notice'
AS $function$
DECLARE
  locked_ids text[];
  locked_versions integer[];
BEGIN
  IF p_wait THEN
    RETURN QUERY SELECT t.task_id, t.version FROM tasks t WHERE t.task_id = ANY (p_task_ids)
      ORDER BY t.task_id FOR UPDATE;
    RETURN;
  END IF;
  -- Gathered into arrays rather than returned as found: rows returned before a failure would stay in
  -- the function's answer after the block is rolled back.
  BEGIN
    SELECT array_agg(l.task_id ORDER BY l.task_id), array_agg(l.version ORDER BY l.task_id)
      INTO locked_ids, locked_versions
      FROM (SELECT t.task_id, t.version FROM tasks t WHERE t.task_id = ANY (p_task_ids)
            ORDER BY t.task_id FOR UPDATE NOWAIT) AS l;
  EXCEPTION WHEN lock_not_available THEN
    RAISE NOTICE 'swarm-router: waiting for a task row held by another transaction'
      USING DETAIL = cardinality(p_task_ids)::text, HINT = 'swarm-router:row-lock-wait';
    SELECT array_agg(l.task_id ORDER BY l.task_id), array_agg(l.version ORDER BY l.task_id)
      INTO locked_ids, locked_versions
      FROM (SELECT t.task_id, t.version FROM tasks t WHERE t.task_id = ANY (p_task_ids)
            ORDER BY t.task_id FOR UPDATE) AS l;
  END;
  RETURN QUERY SELECT u.task_id, u.version FROM unnest(locked_ids, locked_versions) AS u (task_id, version);
END
$function$

-- ----------------------------------------------------------------
index agent_counters_pkey CREATE UNIQUE INDEX agent_counters_pkey ON <schema>.agent_counters USING btree (agent_key)
-- ----------------------------------------------------------------
index agent_keys_agent_id_key CREATE UNIQUE INDEX agent_keys_agent_id_key ON <schema>.agent_keys USING btree (agent_id)
-- ----------------------------------------------------------------
index agent_keys_pkey CREATE UNIQUE INDEX agent_keys_pkey ON <schema>.agent_keys USING btree (agent_key)
-- ----------------------------------------------------------------
index agent_loads_pkey CREATE UNIQUE INDEX agent_loads_pkey ON <schema>.agent_loads USING btree (agent_id)
-- ----------------------------------------------------------------
index agents_pkey CREATE UNIQUE INDEX agents_pkey ON <schema>.agents USING btree (agent_id)
-- ----------------------------------------------------------------
index agents_token_hash CREATE UNIQUE INDEX agents_token_hash ON <schema>.agents USING btree (token_hash)
-- ----------------------------------------------------------------
index candidates_pkey CREATE UNIQUE INDEX candidates_pkey ON <schema>.candidates USING btree (agent_key, seq)
-- ----------------------------------------------------------------
index decisions_by_roster CREATE INDEX decisions_by_roster ON <schema>.decisions USING btree (roster_key, seq)
-- ----------------------------------------------------------------
index decisions_by_task CREATE INDEX decisions_by_task ON <schema>.decisions USING btree (task_id)
-- ----------------------------------------------------------------
index decisions_by_time CREATE INDEX decisions_by_time ON <schema>.decisions USING btree (ts_ms)
-- ----------------------------------------------------------------
index decisions_pkey CREATE UNIQUE INDEX decisions_pkey ON <schema>.decisions USING btree (seq)
-- ----------------------------------------------------------------
index ledger_pending_pkey CREATE UNIQUE INDEX ledger_pending_pkey ON <schema>.ledger_pending USING btree (pending_id)
-- ----------------------------------------------------------------
index ledger_pkey CREATE UNIQUE INDEX ledger_pkey ON <schema>.ledger USING btree (entry_seq)
-- ----------------------------------------------------------------
index outcomes_pkey CREATE UNIQUE INDEX outcomes_pkey ON <schema>.outcomes USING btree (outcome_seq)
-- ----------------------------------------------------------------
index outcomes_seq_agent_key_key CREATE UNIQUE INDEX outcomes_seq_agent_key_key ON <schema>.outcomes USING btree (seq, agent_key)
-- ----------------------------------------------------------------
index policies_pkey CREATE UNIQUE INDEX policies_pkey ON <schema>.policies USING btree (policy_key)
-- ----------------------------------------------------------------
index policies_spec_key CREATE UNIQUE INDEX policies_spec_key ON <schema>.policies USING btree (spec)
-- ----------------------------------------------------------------
index roster_members_pkey CREATE UNIQUE INDEX roster_members_pkey ON <schema>.roster_members USING btree (agent_key, roster_key)
-- ----------------------------------------------------------------
index rosters_members_key CREATE UNIQUE INDEX rosters_members_key ON <schema>.rosters USING btree (members)
-- ----------------------------------------------------------------
index rosters_pkey CREATE UNIQUE INDEX rosters_pkey ON <schema>.rosters USING btree (roster_key)
-- ----------------------------------------------------------------
index schema_migrations_pkey CREATE UNIQUE INDEX schema_migrations_pkey ON <schema>.schema_migrations USING btree (version)
-- ----------------------------------------------------------------
index task_events_by_agent CREATE INDEX task_events_by_agent ON <schema>.task_events USING btree (agent_id, kind) WHERE (agent_id IS NOT NULL)
-- ----------------------------------------------------------------
index task_events_pkey CREATE UNIQUE INDEX task_events_pkey ON <schema>.task_events USING btree (event_id)
-- ----------------------------------------------------------------
index tasks_by_claim CREATE INDEX tasks_by_claim ON <schema>.tasks USING btree (claimed_until_ms) WHERE (claimed_until_ms IS NOT NULL)
-- ----------------------------------------------------------------
index tasks_by_created CREATE INDEX tasks_by_created ON <schema>.tasks USING btree (created_ms, task_id)
-- ----------------------------------------------------------------
index tasks_by_due CREATE INDEX tasks_by_due ON <schema>.tasks USING btree (due_ms) WHERE (due_ms IS NOT NULL)
-- ----------------------------------------------------------------
index tasks_by_status CREATE INDEX tasks_by_status ON <schema>.tasks USING btree (status, created_ms, task_id)
-- ----------------------------------------------------------------
index tasks_pkey CREATE UNIQUE INDEX tasks_pkey ON <schema>.tasks USING btree (task_id)
-- ----------------------------------------------------------------
relation agent_counter_deltas kind r
-- ----------------------------------------------------------------
relation agent_counters kind r
-- ----------------------------------------------------------------
relation agent_counters_pkey kind i
-- ----------------------------------------------------------------
relation agent_keys kind r
-- ----------------------------------------------------------------
relation agent_keys_agent_id_key kind i
-- ----------------------------------------------------------------
relation agent_keys_agent_key_seq kind S
-- ----------------------------------------------------------------
relation agent_keys_pkey kind i
-- ----------------------------------------------------------------
relation agent_load_deltas kind r
-- ----------------------------------------------------------------
relation agent_loads kind r
-- ----------------------------------------------------------------
relation agent_loads_pkey kind i
-- ----------------------------------------------------------------
relation agents kind r
-- ----------------------------------------------------------------
relation agents_pkey kind i
-- ----------------------------------------------------------------
relation agents_token_hash kind i
-- ----------------------------------------------------------------
relation candidates kind r
-- ----------------------------------------------------------------
relation candidates_pkey kind i
-- ----------------------------------------------------------------
relation decisions kind r
-- ----------------------------------------------------------------
relation decisions_by_roster kind i
-- ----------------------------------------------------------------
relation decisions_by_task kind i
-- ----------------------------------------------------------------
relation decisions_by_time kind i
-- ----------------------------------------------------------------
relation decisions_pkey kind i
-- ----------------------------------------------------------------
relation ledger kind r
-- ----------------------------------------------------------------
relation ledger_pending kind r
-- ----------------------------------------------------------------
relation ledger_pending_pending_id_seq kind S
-- ----------------------------------------------------------------
relation ledger_pending_pkey kind i
-- ----------------------------------------------------------------
relation ledger_pkey kind i
-- ----------------------------------------------------------------
relation outcomes kind r
-- ----------------------------------------------------------------
relation outcomes_outcome_seq_seq kind S
-- ----------------------------------------------------------------
relation outcomes_pkey kind i
-- ----------------------------------------------------------------
relation outcomes_seq_agent_key_key kind i
-- ----------------------------------------------------------------
relation policies kind r
-- ----------------------------------------------------------------
relation policies_pkey kind i
-- ----------------------------------------------------------------
relation policies_policy_key_seq kind S
-- ----------------------------------------------------------------
relation policies_spec_key kind i
-- ----------------------------------------------------------------
relation roster_members kind r
-- ----------------------------------------------------------------
relation roster_members_pkey kind i
-- ----------------------------------------------------------------
relation rosters kind r
-- ----------------------------------------------------------------
relation rosters_members_key kind i
-- ----------------------------------------------------------------
relation rosters_pkey kind i
-- ----------------------------------------------------------------
relation rosters_roster_key_seq kind S
-- ----------------------------------------------------------------
relation schema_migrations kind r
-- ----------------------------------------------------------------
relation schema_migrations_pkey kind i
-- ----------------------------------------------------------------
relation task_events kind r
-- ----------------------------------------------------------------
relation task_events_by_agent kind i
-- ----------------------------------------------------------------
relation task_events_event_id_seq kind S
-- ----------------------------------------------------------------
relation task_events_pkey kind i
-- ----------------------------------------------------------------
relation tasks kind r with fillfactor=50
-- ----------------------------------------------------------------
relation tasks_by_claim kind i
-- ----------------------------------------------------------------
relation tasks_by_created kind i
-- ----------------------------------------------------------------
relation tasks_by_due kind i
-- ----------------------------------------------------------------
relation tasks_by_status kind i
-- ----------------------------------------------------------------
relation tasks_pkey kind i
-- ----------------------------------------------------------------
sequence agent_keys_agent_key_seq integer start 1 increment 1 max 2147483647 cache 1
-- ----------------------------------------------------------------
sequence ledger_pending_pending_id_seq bigint start 1 increment 1 max 9223372036854775807 cache 1
-- ----------------------------------------------------------------
sequence outcomes_outcome_seq_seq bigint start 1 increment 1 max 9223372036854775807 cache 1
-- ----------------------------------------------------------------
sequence policies_policy_key_seq integer start 1 increment 1 max 2147483647 cache 1
-- ----------------------------------------------------------------
sequence rosters_roster_key_seq integer start 1 increment 1 max 2147483647 cache 1
-- ----------------------------------------------------------------
sequence task_events_event_id_seq bigint start 1 increment 1 max 9223372036854775807 cache 1
-- ----------------------------------------------------------------
trigger agent_load_on_delete CREATE TRIGGER agent_load_on_delete AFTER DELETE ON <schema>.tasks FOR EACH ROW WHEN (((old.status = ANY (ARRAY['offered'::text, 'accepted'::text])) AND (old.assigned_agent IS NOT NULL))) EXECUTE FUNCTION <schema>.count_agent_load()
-- ----------------------------------------------------------------
trigger agent_load_on_insert CREATE TRIGGER agent_load_on_insert AFTER INSERT ON <schema>.tasks FOR EACH ROW WHEN (((new.status = ANY (ARRAY['offered'::text, 'accepted'::text])) AND (new.assigned_agent IS NOT NULL))) EXECUTE FUNCTION <schema>.count_agent_load()
-- ----------------------------------------------------------------
trigger agent_load_on_update CREATE TRIGGER agent_load_on_update AFTER UPDATE OF status, assigned_agent ON <schema>.tasks FOR EACH ROW WHEN (((((old.status = ANY (ARRAY['offered'::text, 'accepted'::text])) AND (old.assigned_agent IS NOT NULL)) IS DISTINCT FROM ((new.status = ANY (ARRAY['offered'::text, 'accepted'::text])) AND (new.assigned_agent IS NOT NULL))) OR ((new.status = ANY (ARRAY['offered'::text, 'accepted'::text])) AND (old.assigned_agent IS DISTINCT FROM new.assigned_agent)))) EXECUTE FUNCTION <schema>.count_agent_load()
