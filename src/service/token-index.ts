/**
 * Which registered agent holds which token, by the token's SHA-256 (hex): one map lookup per
 * request, however many agents there are (a scan compared every agent's hash, 10,000 of them per
 * wrong token). Looking a token up by its hash leaks nothing of the token: a guess's timing can at
 * most tell how much of its own hash matched a stored hash, which says nothing about any token.
 *
 * It also remembers hashes the store was asked about and did not know. That is safe because a token
 * only ever comes from `newAgentToken` (32 random bytes): a hash unknown now cannot become some
 * agent's later, so a client repeating a wrong token costs the store one read, not one a request.
 * The memory is bounded and is cleared whenever the agents are re-read in full (AgentDirectory.sync).
 */
export class TokenIndex {
  readonly #agentOfHash = new Map<string, string>();
  readonly #hashOfAgent = new Map<string, string>();
  readonly #unknown = new Set<string>();
  readonly #maxUnknown: number;

  /** `maxUnknown`: how many unknown hashes are remembered (the oldest is forgotten first). */
  constructor(maxUnknown = 10_000) {
    this.#maxUnknown = maxUnknown;
  }

  /** The agent holding the token of this hash, as far as this instance knows. */
  agentOf(tokenHash: string): string | undefined {
    return this.#agentOfHash.get(tokenHash);
  }

  /** Whether the store was asked about this hash and did not know it. */
  isKnownUnknown(tokenHash: string): boolean {
    return this.#unknown.has(tokenHash);
  }

  /** Records that the store knows no agent with this token hash. */
  rememberUnknown(tokenHash: string): void {
    if (this.#unknown.size >= this.#maxUnknown) {
      const oldest = this.#unknown.values().next().value;
      if (oldest !== undefined) this.#unknown.delete(oldest);
    }
    this.#unknown.add(tokenHash);
  }

  /** The agent's token is now the one of this hash (null: it has none); its previous one is forgotten. */
  set(agentId: string, tokenHash: string | null): void {
    this.delete(agentId);
    if (tokenHash === null) return;
    // Another agent listed under this hash (impossible for tokens we issued) loses it: one holder only.
    const previousHolder = this.#agentOfHash.get(tokenHash);
    if (previousHolder !== undefined) this.#hashOfAgent.delete(previousHolder);
    this.#agentOfHash.set(tokenHash, agentId);
    this.#hashOfAgent.set(agentId, tokenHash);
  }

  /** The agent's token no longer opens anything here. */
  delete(agentId: string): void {
    const hash = this.#hashOfAgent.get(agentId);
    if (hash === undefined) return;
    this.#hashOfAgent.delete(agentId);
    this.#agentOfHash.delete(hash);
  }

  /** Forgets the unknown hashes (the store is being re-read in full). */
  forgetUnknown(): void {
    this.#unknown.clear();
  }
}
