/** A slot taken: give it back once the stream ends (a second call does nothing). */
export interface StreamSlot {
  release(): void;
}

/** Why no slot was given: the cap that is full, in a sentence for the client. */
export interface SlotRefusal {
  readonly refused: string;
}

/**
 * Counts open event streams per client and in all, so that one client (or many) cannot hold
 * unbounded sockets, timers and pages. In-process: each instance of a cluster counts its own.
 */
export class StreamSlots {
  readonly #perClient: number;
  readonly #total: number;
  readonly #byClient = new Map<string, number>();
  #open = 0;

  constructor(limits: { readonly maxStreamsPerClient: number; readonly maxStreams: number }) {
    this.#perClient = limits.maxStreamsPerClient;
    this.#total = limits.maxStreams;
  }

  /** Streams open now. */
  get open(): number {
    return this.#open;
  }

  /** Takes a slot for `client` (a token's digest or an address), or says which cap is full. */
  take(client: string): StreamSlot | SlotRefusal {
    const held = this.#byClient.get(client) ?? 0;
    if (held >= this.#perClient) {
      return { refused: `this client already holds ${this.#perClient} event streams, the most it may` };
    }
    if (this.#open >= this.#total) {
      return { refused: `the service already serves ${this.#total} event streams, the most it may` };
    }
    this.#byClient.set(client, held + 1);
    this.#open++;
    let released = false;
    return {
      release: () => {
        if (released) return;
        released = true;
        this.#open--;
        const left = (this.#byClient.get(client) ?? 1) - 1;
        // Forget clients with nothing open: the map stays as small as the streams.
        if (left === 0) this.#byClient.delete(client);
        else this.#byClient.set(client, left);
      },
    };
  }
}
