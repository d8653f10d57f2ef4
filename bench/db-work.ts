import pg from 'pg';

/**
 * What PostgreSQL did for a run, counted by the server rather than timed: WAL written, buffers
 * touched and transactions committed. On this machine CPU per task moves with how many processes
 * share the two cores, and with the draw of the machine; these counts do not, so they tell whether
 * a configuration makes the database do more work a task (contention: retries, waits that redo
 * work, smaller batches that each cost a transaction) apart from the same work running slower.
 */
export interface DbWorkSample {
  /** pg_current_wal_lsn() as bytes: exact at the moment it is read. */
  readonly walBytes: number;
  /** Database-wide blks_hit + blks_read and xact_commit (pg_stat_database). */
  readonly buffers: number;
  readonly commits: number;
}

/** The same counts, per task decided. */
export type DbWorkPerTask = DbWorkSample;

export async function sampleDbWork(url: string): Promise<DbWorkSample> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const row = (
      await client.query<{ wal: string; buffers: string; commits: string }>(
        `SELECT pg_wal_lsn_diff(pg_current_wal_lsn(), '0/0')::bigint AS wal,
                blks_hit + blks_read AS buffers, xact_commit AS commits
         FROM pg_stat_database WHERE datname = current_database()`,
      )
    ).rows[0];
    return { walBytes: Number(row?.wal), buffers: Number(row?.buffers), commits: Number(row?.commits) };
  } finally {
    await client.end();
  }
}

/**
 * Per task between two samples. The WAL figure is exact. The buffers and commits are approximate:
 * each server process reports its counts at most once a second (PostgreSQL 15), so up to a second
 * of the warm-up falls into the run and up to a second of the run after it; at an even load the two
 * nearly cancel. The samples' own reads are counted too, a few dozen buffers a run.
 */
export function dbWorkPerTask(before: DbWorkSample, after: DbWorkSample, tasks: number): DbWorkPerTask {
  const per = (k: keyof DbWorkSample) => (tasks === 0 ? 0 : (after[k] - before[k]) / tasks);
  return { walBytes: per('walBytes'), buffers: per('buffers'), commits: per('commits') };
}

export function formatDbWork(work: DbWorkPerTask): string {
  return (
    `database per task ${(work.walBytes / 1024).toFixed(1)} KB of WAL, ${work.buffers.toFixed(0)} buffers, ` +
    `${work.commits.toFixed(2)} commits`
  );
}
