import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';

/**
 * Checkpoints a SQLite file's write-ahead log from a worker thread. A checkpoint copies the log's
 * pages into the database file and syncs it; run by the writing connection (SQLite's automatic
 * checkpoints), it holds the event loop for as long — 50–80 ms each during a burst of 10,000 agent
 * registrations, the longest blocks the service had. From its own connection on another thread, a
 * PASSIVE checkpoint copies what no reader still needs without taking the write lock, so the writer
 * never waits for it; the writer then starts the log over once it has been copied whole.
 */

/** How often the worker checkpoints (a few MB of log at the service's write rates). */
const CHECKPOINT_EVERY_MS = 200;

// Plain CommonJS run with `eval`: the worker needs no file of its own (the same code serves the
// sources under a TypeScript loader and the built package).
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const Database = require(workerData.driver);
const db = new Database(workerData.path, { timeout: workerData.busyTimeoutMs });
const checkpoint = () => {
  try {
    db.pragma('wal_checkpoint(PASSIVE)');
  } catch {
    // Busy or locked: the next round tries again; the writer's log just grows a little meanwhile.
  }
};
const timer = setInterval(checkpoint, workerData.everyMs);
parentPort.on('message', () => {
  clearInterval(timer);
  checkpoint();
  db.close();
  parentPort.close();
});
`;

export class WalCheckpointer {
  readonly #worker: Worker;
  readonly #exited: Promise<void>;

  constructor(path: string, busyTimeoutMs: number) {
    const driver = createRequire(import.meta.url).resolve('better-sqlite3');
    this.#worker = new Worker(WORKER_SOURCE, {
      eval: true,
      workerData: { path, busyTimeoutMs, driver, everyMs: CHECKPOINT_EVERY_MS },
    });
    // A worker that failed (the file vanished, say) leaves checkpoints to SQLite's next open: the
    // log only grows, nothing is lost. Its error must not take the service down.
    this.#worker.on('error', () => {});
    this.#exited = new Promise((resolve) => this.#worker.once('exit', () => resolve()));
    this.#worker.unref();
  }

  /** Checkpoints once more, closes the worker's connection and waits for the worker to end. */
  async stop(): Promise<void> {
    // Unreferenced, the worker would not keep the process alive while it finishes: with nothing
    // else pending, the process would end here, its store half closed.
    this.#worker.ref();
    this.#worker.postMessage('stop');
    await this.#exited;
  }
}
