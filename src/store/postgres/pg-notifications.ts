import { randomUUID } from 'node:crypto';
import type pg from 'pg';
import { parseAgentChange } from './pg-agents.js';
import { PG_TYPES, type PgConnection } from './pg-connection.js';
import { pgDriver } from './pg-driver.js';
import { quoteIdent } from './pg-migrator.js';
import { NOTIFY } from './pg-queries.js';

/**
 * Announcements of commits go out at most this often per instance: each is a NOTIFY, a transaction
 * of its own, and notifying transactions commit one at a time database-wide (see
 * migrations/0005_trigger_task_events_notify_dropped.sql); every other instance is woken by each, so n
 * instances cost n·(n−1) wake-ups per gap. The listeners wake their SSE streams at most every 100 ms
 * and catch up at most every second anyway (cluster-sync.ts), so an SSE client of another instance
 * sees an event at most about 200 ms later. At 20 ms, three busy instances spent a quarter of their
 * write transactions on announcements (bench:scale).
 */
const ANNOUNCE_GAP_MS = 100;

/** How long a listener whose connection dropped waits before it listens again. */
const RELISTEN_AFTER_MS = 1000;

/**
 * How instances sharing a schema hear of each other's commits: LISTEN/NOTIFY on the schema's channel.
 * A commit of tasks or events is announced by the store that made it (announce), after the commit and
 * at most every ANNOUNCE_GAP_MS; a change of an agent by its own statement (pg-agents.ts), carrying
 * the agent's id. Each announcement carries this store's id, so that its own listeners pass over it.
 */
export class PgNotifications {
  /** The NOTIFY channel of this schema: several stores on one database do not wake each other. */
  readonly channel: string;
  /** Sent with this store's announcements, so that its own watchers can pass over them. */
  readonly instanceId = randomUUID();
  readonly #connection: PgConnection;
  /** The stop functions of open watchCommits listeners, ended by close(). */
  readonly #watchers = new Set<() => Promise<void>>();
  /** When the last announcement went out, and whether one is in flight or waits for its turn. */
  #announcedMs = 0;
  #announcing = false;
  #announceAgain = false;
  #announceTimer: NodeJS.Timeout | undefined;

  constructor(connection: PgConnection) {
    this.#connection = connection;
    this.channel = `swarm_router_${connection.target.schema}`;
  }

  /**
   * Tells the other instances that events were committed: a NOTIFY carrying this store's id, sent
   * after the commit (so that whoever reads on hearing it finds them) and at most every
   * ANNOUNCE_GAP_MS, however many commits there were meanwhile. A failed one is not retried: the
   * others re-read every second regardless (cluster-sync.ts).
   */
  announce(): void {
    if (this.#announcing) {
      this.#announceAgain = true;
      return;
    }
    this.#announcing = true;
    const send = (): void => {
      this.#announceTimer = undefined;
      this.#announcedMs = Date.now();
      void this.#notify().finally(() => {
        this.#announcing = false;
        if (this.#announceAgain && !this.#connection.isClosed) {
          this.#announceAgain = false;
          this.announce();
        }
      });
    };
    const wait = this.#announcedMs + ANNOUNCE_GAP_MS - Date.now();
    if (wait <= 0) send();
    else {
      this.#announceTimer = setTimeout(send, wait);
      this.#announceTimer.unref();
    }
  }

  /**
   * Listens on a connection of its own (SharedStore.watchCommits): `onCommit` for another instance's
   * announced commits, `onAgentChanged` for its changes of agents. A dropped connection listens again
   * after a pause, and calls onCommit then, since something may have been missed meanwhile.
   */
  async watchCommits(
    onCommit: () => void,
    onAgentChanged?: (agentId: string) => void,
  ): Promise<() => Promise<void>> {
    const connection = this.#connection;
    await connection.run(async () => undefined); // migrated
    const channel = quoteIdent(this.channel);
    const instanceId = this.instanceId;
    let client: pg.Client | undefined;
    let stopped = false;
    let retryTimer: NodeJS.Timeout | undefined;
    const connect = async (): Promise<void> => {
      const next = new (pgDriver().Client)({
        connectionString: connection.target.connectionString,
        types: PG_TYPES,
      });
      // This store's own announcements are passed over: its process saw those commits as they happened.
      next.on('notification', (message) => {
        const agentChange = parseAgentChange(message.payload);
        if (agentChange === undefined) {
          if (message.payload !== instanceId) onCommit();
        } else if (agentChange.instance !== instanceId) onAgentChanged?.(agentChange.agent);
      });
      next.on('error', () => undefined);
      next.on('end', () => {
        if (stopped) return;
        retryTimer = setTimeout(() => void connect().then(onCommit, () => undefined), RELISTEN_AFTER_MS);
        retryTimer.unref();
      });
      try {
        await next.connect();
        await next.query(`LISTEN ${channel}`);
      } catch (error) {
        await next.end().catch(() => undefined);
        throw error;
      }
      if (stopped) await next.end();
      else client = next;
    };
    await connection.run(connect);
    this.#watchers.add(stop);
    async function stop(): Promise<void> {
      stopped = true;
      clearTimeout(retryTimer);
      await client?.end().catch(() => undefined);
    }
    return async () => {
      this.#watchers.delete(stop);
      await stop();
    };
  }

  /** Sends an announcement waiting for its turn now rather than never, and stops every listener. */
  async close(): Promise<void> {
    if (this.#announceTimer !== undefined) {
      clearTimeout(this.#announceTimer);
      this.#announceTimer = undefined;
      this.#announcing = false;
      this.#announceAgain = false;
      await this.#notify();
    }
    await Promise.all([...this.#watchers].map((stop) => stop()));
  }

  /** One NOTIFY on this schema's channel with this store's id; a failure is passed over (announce). */
  #notify(): Promise<void> {
    return this.#connection.db.query(NOTIFY, [this.channel, this.instanceId]).then(
      () => undefined,
      () => undefined,
    );
  }
}
