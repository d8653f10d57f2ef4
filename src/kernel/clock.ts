/**
 * The only source of "now" in the core. Scoring and policy never read it; the router reads it once
 * per decision and passes the value down, so tests drive time without sleeping.
 */
export interface Clock {
  /** Milliseconds since the Unix epoch. */
  now(): number;
}

export const systemClock: Clock = Object.freeze({ now: () => Date.now() });
