/**
 * Work done a bounded piece at a time: each `next()` runs one piece and the generator's return value
 * is the result. Compiling a roster and training a model are written this way so that one code path
 * serves both a caller that wants the result now (runSteps) and one that must not hold the event
 * loop (the router runs pieces in time slices between other work, router/compile-scheduler.ts).
 *
 * Scoring reads no clock (DESIGN.md): a generator only marks where it may be paused, and the
 * caller decides when to pause. A piece is small — one example analysed, one agent indexed, a few
 * dozen training steps — so on inputs within the documented limits none takes more than a
 * millisecond or two.
 */
export type Steps<T> = Generator<void, T, void>;

/** Runs every remaining piece now and returns the result. */
export function runSteps<T>(steps: Steps<T>): T {
  for (;;) {
    const next = steps.next();
    if (next.done === true) return next.value;
  }
}
