import type { AgentManifest } from '../manifest/manifest.js';
import type {
  CompiledScorer,
  IndexedRoster,
  LearnedEvidence,
  Scorer,
  StepwiseScorer,
  TrainedModel,
} from '../scoring/scorer.js';
import { stepwiseOf } from '../scoring/scorer.js';
import { runSteps, type Steps } from '../scoring/steps.js';

export interface RosterCompilerOptions {
  readonly scorer: Scorer;
  /** What outcomes taught, read by the compiled scorer at each call. */
  readonly evidence: LearnedEvidence;
  /**
   * true: compile in slices of at most `sliceMs` between other work, from the moment the roster
   * changes (the service). false: compile when a decision needs it, all at once (the library's
   * default, and the CLI's).
   */
  readonly background: boolean;
  /** Longest background slice, ms. Default DEFAULT_SLICE_MS. */
  readonly sliceMs?: number;
  /** Called before each background slice: the router catches up with its registry there. */
  readonly beforeSlice: () => void;
  /** Whether the registry has changed since the router last caught up (beforeSlice would rebuild). */
  readonly rosterPending?: () => boolean;
  /**
   * In the background, a roster that keeps changing is caught up with at most once per this many
   * ms: each catch-up (ids, positions, the policy's facts, a new index) costs time that grows with
   * the roster, and a burst of registrations paid it once per registration (bench:roster, 50,000
   * tools: 125 registrations a second, slowing as the roster grew). Decisions still see the roster
   * as it is at once: they catch up themselves. Default 0: at every slice.
   */
  readonly rebuildGapMs?: number;
  /**
   * What the router learned lately, replayed into a freshly trained compiled scorer before it is
   * used (a model learns from outcomes by itself and would otherwise forget them), in pieces. It must
   * read the router's outcomes until it has caught up, so that the model published right after its
   * last piece has seen every outcome.
   */
  readonly replayInto: (compiled: CompiledScorer) => Steps<void>;
}

/**
 * A background slice's length. The pieces of a compilation (steps.ts) take well under a
 * millisecond each on inputs within the documented limits, so a slice ends within a piece of this.
 */
export const DEFAULT_SLICE_MS = 4;

interface Job<T> {
  /** The registry version of the roster the job works on. */
  readonly version: number;
  readonly steps: Steps<T>;
}

/**
 * Keeps a router's compiled scorer in step with its roster, in two parts (scorer.ts, StepwiseScorer):
 *
 * - the **index** follows the roster. Without `background`, a decision made after a change is scored
 *   on the roster as it is: the index is rebuilt when the decision needs it. In the background the
 *   index is rebuilt in slices from the moment the roster changes (manifests analysed before are not
 *   analysed again), and until it is done decisions are scored on the previous index (the router
 *   aligns its scores with the roster: an agent it does not know scores 0, a changed one by its
 *   previous manifest). A rebuild under way is finished before the next one starts, so a roster that
 *   keeps changing is indexed at most two rebuilds late: at 10,000 agents a rebuild held the event
 *   loop for 60–200 ms when a decision finished it. Only the very first index is built on demand.
 * - the **model** (the default scorer's example reranker, and the "auto" threshold it suggests) may
 *   lag in the background: until the model of the current roster is trained, decisions use the
 *   previous one, applied to the agents it knows (an agent it does not know is scored as without a
 *   model). A training that is under way is finished before the next one starts, so a roster that
 *   keeps changing still gets models, each at most two trainings late.
 *
 * Without `background`, both are brought up to date when a decision needs them, as compile() would.
 */
export class RosterCompiler {
  readonly #stepwise: StepwiseScorer;
  readonly #evidence: LearnedEvidence;
  readonly #background: boolean;
  readonly #sliceMs: number;
  readonly #beforeSlice: () => void;
  readonly #replayInto: (compiled: CompiledScorer) => Steps<void>;

  /** The roster's version, and its manifests as of that version (read when a job starts). */
  #roster: { readonly version: number; readonly agents: () => readonly AgentManifest[] } = {
    version: -1,
    agents: () => [],
  };
  #indexed: { readonly version: number; readonly value: IndexedRoster } | undefined;
  #indexJob: Job<IndexedRoster> | undefined;
  #model: { readonly version: number; readonly value: TrainedModel | undefined } | undefined;
  #trainJob: Job<TrainedModel | undefined> | undefined;
  /** bind(indexed, model), kept until either changes. */
  #compiled: CompiledScorer | undefined;
  #slice: NodeJS.Immediate | undefined;
  /** Set while background slices wait for rebuildGapMs to pass. */
  #gapTimer: NodeJS.Timeout | undefined;
  readonly #rosterPending: () => boolean;
  readonly #rebuildGapMs: number;
  #lastRebuildMs = Number.NEGATIVE_INFINITY;
  #waiters: { resolve: () => void; reject: (error: unknown) => void }[] = [];
  /** Waiting for a first index (whenIndexed). */
  #indexWaiters: { resolve: () => void; reject: (error: unknown) => void }[] = [];
  #closed = false;
  /** What a background slice threw (a scorer's bug): thrown to the next caller until the roster changes. */
  #failure: { readonly error: unknown } | undefined;

  constructor(options: RosterCompilerOptions) {
    this.#stepwise = stepwiseOf(options.scorer);
    this.#evidence = options.evidence;
    this.#background = options.background;
    this.#sliceMs = options.sliceMs ?? DEFAULT_SLICE_MS;
    if (!(this.#sliceMs > 0)) {
      throw new TypeError(`expected sliceMs > 0, got ${this.#sliceMs} (${typeof this.#sliceMs})`);
    }
    this.#beforeSlice = options.beforeSlice;
    this.#rosterPending = options.rosterPending ?? (() => false);
    this.#rebuildGapMs = options.rebuildGapMs ?? 0;
    this.#replayInto = options.replayInto;
  }

  /**
   * The roster changed (or is told for the first time): its index is rebuilt, its model retrained.
   * `agents` gives its manifests, read when a job starts (not a copy at every change).
   */
  rosterChanged(version: number, agents: () => readonly AgentManifest[]): void {
    this.#lastRebuildMs = performance.now();
    this.#roster = { version, agents };
    this.#failure = undefined;
    // In the background a rebuild under way goes on (its roster is then indexed anew when it ends):
    // restarted at every change, a large roster's index would never be done while changes keep coming.
    if (!this.#background || this.#indexJob === undefined) this.#startIndexing();
    if (this.#trainJob === undefined) this.#startTraining();
    this.schedule();
  }

  /**
   * The agents the current compiled scorer scores, in the order of its scores: the roster's, or in
   * the background, while the roster's index is being rebuilt, the previous roster's. Call after
   * current().
   */
  scoredAgentIds(): readonly string[] {
    return (this.#indexed as { value: IndexedRoster }).value.agentIds;
  }

  /** Whether current() scores the roster as it is now (else scoredAgentIds() tells which agents). */
  isCurrent(): boolean {
    return this.#indexed?.version === this.#roster.version;
  }

  /**
   * The compiled scorer for a decision: on the current roster's index (finished now if need be),
   * with the current model, or (in the background) the latest one trained.
   */
  current(): CompiledScorer {
    if (this.#failure !== undefined) throw this.#failure.error;
    if (
      this.#indexed === undefined ||
      (!this.#background && this.#indexed.version !== this.#roster.version)
    ) {
      this.#finishIndex();
    }
    if (!this.#background && this.#model?.version !== this.#roster.version) {
      if (this.#trainJob?.version !== this.#roster.version) this.#startTraining();
      this.#finish(this.#trainJob as Job<TrainedModel | undefined>, (model, version) =>
        this.#publishModel(model, version),
      );
    }
    return this.#bound();
  }

  /**
   * What is compiled now, without doing any work: for learning from an outcome, which must not wait
   * for a compilation (what a model misses meanwhile is replayed into the next one). Undefined
   * before the first index is built.
   */
  available(): CompiledScorer | undefined {
    if (!this.#background) return this.current();
    return this.#indexed === undefined || this.#failure !== undefined ? undefined : this.#bound();
  }

  /** Resolves once the roster as it is now is compiled: its index, and its model trained. */
  whenCompiled(): Promise<void> {
    this.#beforeSlice();
    if (!this.#background) {
      this.current();
      return Promise.resolve();
    }
    if (this.#failure !== undefined) return Promise.reject(this.#failure.error);
    if (this.#isSettled()) return Promise.resolve();
    this.schedule();
    return new Promise((resolve, reject) => this.#waiters.push({ resolve, reject }));
  }

  /**
   * Resolves once some index of the roster is built (in the background, the first one): from then
   * on a decision never builds one itself, so a service that waits for this before it answers does
   * not hold its first request's event loop for the whole roster.
   */
  whenIndexed(): Promise<void> {
    if (!this.#background) return this.whenCompiled();
    if (this.#failure !== undefined) return Promise.reject(this.#failure.error);
    if (this.#indexed !== undefined) return Promise.resolve();
    this.schedule();
    return new Promise((resolve, reject) => this.#indexWaiters.push({ resolve, reject }));
  }

  /** Starts background slices if there is work and none is scheduled. */
  schedule(): void {
    if (!this.#background || this.#closed || this.#slice !== undefined || this.#gapTimer !== undefined)
      return;
    this.#slice = setImmediate(() => this.#runSlice());
  }

  close(): void {
    this.#closed = true;
    if (this.#slice !== undefined) clearImmediate(this.#slice);
    this.#slice = undefined;
    clearTimeout(this.#gapTimer);
    this.#gapTimer = undefined;
    for (const waiter of [...this.#waiters.splice(0), ...this.#indexWaiters.splice(0)]) waiter.resolve();
  }

  #isSettled(): boolean {
    return (
      this.#indexJob === undefined &&
      this.#trainJob === undefined &&
      this.#indexed?.version === this.#roster.version &&
      this.#model?.version === this.#roster.version
    );
  }

  /** Index pieces first (decisions wait for those), then training pieces, for up to sliceMs. */
  #runSlice(): void {
    this.#slice = undefined;
    const wait = this.#rosterPending() ? this.#lastRebuildMs + this.#rebuildGapMs - performance.now() : 0;
    if (wait > 0) {
      // The roster changed again soon after the last catch-up: wait for more changes to join it.
      this.#gapTimer = setTimeout(() => {
        this.#gapTimer = undefined;
        this.schedule();
      }, wait);
      return;
    }
    try {
      const start = performance.now();
      this.#beforeSlice();
      // Catching up with a large roster takes a slice's time by itself (ids, positions, facts: ~10 ms
      // at 10,000 agents): the pieces wait for the next turn rather than add to it.
      if (performance.now() - start > this.#sliceMs) {
        this.schedule();
        return;
      }
      const end = performance.now() + this.#sliceMs;
      do {
        const indexJob = this.#indexJob;
        const job = indexJob ?? this.#trainJob;
        if (job === undefined) break;
        const next = job.steps.next();
        if (next.done !== true) continue;
        if (job === indexJob) this.#publishIndex(next.value as IndexedRoster, job.version);
        else this.#publishModel(next.value as TrainedModel | undefined, job.version);
      } while (performance.now() < end);
    } catch (error) {
      // Nobody is on the stack to catch it: the next decision (or whenCompiled) gets it instead.
      this.#failure = { error };
      this.#indexJob = undefined;
      this.#trainJob = undefined;
      for (const waiter of [...this.#waiters.splice(0), ...this.#indexWaiters.splice(0)])
        waiter.reject(error);
      return;
    }
    if (this.#indexJob !== undefined || this.#trainJob !== undefined) this.schedule();
    else if (this.#isSettled()) for (const waiter of this.#waiters.splice(0)) waiter.resolve();
  }

  #finishIndex(): void {
    // Without background, only the current roster's index will do; with it, this is the first index,
    // and the one under way (whichever roster it started on) is finished.
    if (
      this.#indexJob === undefined ||
      (!this.#background && this.#indexJob.version !== this.#roster.version)
    ) {
      this.#startIndexing();
    }
    this.#finish(this.#indexJob as Job<IndexedRoster>, (indexed, version) =>
      this.#publishIndex(indexed, version),
    );
  }

  #startIndexing(): void {
    const { version, agents } = this.#roster;
    this.#indexJob = { version, steps: this.#stepwise.index(agents(), this.#evidence) };
  }

  #finish<T>(job: Job<T>, publish: (value: T, version: number) => void): void {
    publish(runSteps(job.steps), job.version);
  }

  #publishIndex(indexed: IndexedRoster, version: number): void {
    this.#indexJob = undefined;
    this.#indexed = { version, value: indexed };
    this.#compiled = undefined;
    for (const waiter of this.#indexWaiters.splice(0)) waiter.resolve();
    // The roster changed while this index was built: build the next one.
    if (version !== this.#roster.version) this.#startIndexing();
  }

  #publishModel(model: TrainedModel | undefined, version: number): void {
    this.#trainJob = undefined;
    this.#model = { version, value: model };
    this.#compiled = undefined;
    // The roster changed while this model trained: train the next one.
    if (version !== this.#roster.version) this.#startTraining();
  }

  #startTraining(): void {
    const { version, agents } = this.#roster;
    this.#trainJob = { version, steps: this.#trainAndReplay(agents()) };
  }

  *#trainAndReplay(agents: readonly AgentManifest[]): Steps<TrainedModel | undefined> {
    const model = yield* this.#stepwise.train(agents);
    if (model !== undefined) {
      // Replayed into the model as bound to the latest index, which is what it will serve. In the
      // background that is the index last published (slices build indexes before they train).
      if (!this.#background ? this.#indexed?.version !== this.#roster.version : this.#indexed === undefined) {
        this.#finishIndex();
      }
      const indexed = (this.#indexed as { value: IndexedRoster }).value;
      yield* this.#replayInto(this.#stepwise.bind(indexed, model));
    }
    return model;
  }

  #bound(): CompiledScorer {
    if (this.#compiled === undefined) {
      const indexed = this.#indexed as { value: IndexedRoster };
      this.#compiled = this.#stepwise.bind(indexed.value, this.#model?.value);
    }
    return this.#compiled;
  }
}
