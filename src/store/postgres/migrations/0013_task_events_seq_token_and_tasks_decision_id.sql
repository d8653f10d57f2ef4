-- What a decision batch writes before it takes the chain lock, when its decisions' seqs are not known
-- yet (commit_decisions):
--
-- task_events.seq_token: an event that names its decision's seq ('task:decided') is stored with a
-- token that stands for the seq in its data, and the token here. eventsAfter (pg-tasks.ts) replaces
-- the token with the seq of its task's decision, which the same transaction writes, so a reader sees
-- both or neither. commitDecisionBatch sends a decision whose token-bearing event names another task
-- than the decision's the slower way, which writes the seq itself.
--
-- tasks.decision_id: the id of the decision that decided the task, with decision_seq left NULL. A
-- read of the task takes the seq of the decision of that task and id (decisionSeqOf in pg-tasks.ts,
-- through decisions_by_task); a task is decided once (it is never open again). Every other commit of
-- the task writes the seq it read into decision_seq, and the slower path writes it there at once.
--
-- An instance that does not know these columns would show the token in place of the seq in such
-- events and no decision on such tasks: the instances of one deployment are upgraded together
-- (README, "On PostgreSQL").
ALTER TABLE task_events ADD COLUMN seq_token text;
ALTER TABLE tasks ADD COLUMN decision_id bytea;
