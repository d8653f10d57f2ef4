/**
 * Scores of one roster carried over to another. While the service rebuilds a changed roster's index in
 * the background (roster-compiler.ts), decisions are scored on the previous index, whose scores are in
 * the previous roster's order: each score goes to its agent's place in the current roster, an agent
 * the index does not know scores 0, and one removed since is left out. The mapping is made once per
 * pair of rosters, not per decision.
 */
export class ScoreAlignment {
  #from: readonly string[] | undefined;
  #toVersion = -1;
  /** For each position of `from`, the agent's position in the current roster; -1 if it is not there. */
  #target = new Int32Array(0);

  align(
    scores: Float64Array,
    from: readonly string[],
    toVersion: number,
    toSize: number,
    positionOf: ReadonlyMap<string, number>,
  ): Float64Array {
    if (from !== this.#from || toVersion !== this.#toVersion) {
      this.#target = Int32Array.from(from, (agentId) => positionOf.get(agentId) ?? -1);
      this.#from = from;
      this.#toVersion = toVersion;
    }
    const aligned = new Float64Array(toSize);
    const target = this.#target;
    for (let i = 0; i < target.length; i++) {
      const at = target[i] as number;
      if (at >= 0) aligned[at] = scores[i] as number;
    }
    return aligned;
  }
}
