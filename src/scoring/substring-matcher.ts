/**
 * Finds which of a fixed set of strings occur anywhere in a text, as substrings, in one pass over the
 * text (an Aho–Corasick automaton over UTF-16 code units). Same answer as calling `text.includes(t)`
 * for every term, but the cost grows with the text's length rather than with the number of terms:
 * on the personas workload that was 75 `includes` calls per task, and the largest cost of scoring.
 */
export class SubstringMatcher {
  /** Code unit → alphabet symbol; 0 is "a unit no term contains". Never the dead symbol. */
  readonly #symbolOf = new Uint16Array(65536);
  /**
   * Like #symbolOf, but A–Z share the symbols of a–z (lower-casing for free on ASCII text) and every
   * unit beyond ASCII is the dead symbol, which leads to the dead state (see #table).
   */
  readonly #foldedSymbolOf: Uint16Array;
  /** Entries per table row: the symbols, then the dead symbol. */
  readonly #rowWidth: number;
  /**
   * The full transition function: the entry at `row + symbol` is the next state's row
   * (state × rowWidth), bit-inverted (negative) when terms end at that state. One extra state, the
   * dead state, is entered on the dead symbol and never left, so the ASCII scan needs no test per
   * code unit to notice non-ASCII text: it looks at the final state once.
   */
  readonly #table: Int32Array;
  readonly #deadRow: number;
  /** Terms that end at each state (its own and those reached through suffix links). */
  readonly #outStart: Int32Array;
  readonly #outTerms: Int32Array;
  /** The number of the last scan that found each term (see #collectHits). */
  readonly #seen: Int32Array;
  #scanNumber = 0;
  readonly #found: Int32Array;
  /** The row entered at each code unit, kept when terms end there (see #walk). */
  #hits = new Int32Array(256);

  constructor(terms: readonly string[]) {
    let symbols = 1;
    for (const term of terms) {
      for (let i = 0; i < term.length; i++) {
        const unit = term.charCodeAt(i);
        if (this.#symbolOf[unit] === 0) this.#symbolOf[unit] = symbols++;
      }
    }
    const deadSymbol = symbols;
    const width = symbols + 1;
    this.#rowWidth = width;

    // Trie (goto function), with -1 for "no edge".
    const edges: number[][] = [new Array(symbols).fill(-1)];
    const ends: number[][] = [[]];
    terms.forEach((term, t) => {
      let state = 0;
      for (let i = 0; i < term.length; i++) {
        const symbol = this.#symbolOf[term.charCodeAt(i)] as number;
        let next = (edges[state] as number[])[symbol] as number;
        if (next === -1) {
          next = edges.length;
          edges.push(new Array(symbols).fill(-1));
          ends.push([]);
          (edges[state] as number[])[symbol] = next;
        }
        state = next;
      }
      (ends[state] as number[]).push(t);
    });

    // Breadth-first: failure links turn the trie into a complete automaton, and each state inherits
    // the terms that end at its failure state. An empty term ends at the root and so matches any text.
    const stateCount = edges.length;
    const delta = new Int32Array(stateCount * symbols);
    const fail = new Int32Array(stateCount);
    const outputs: number[][] = ends.map((e) => [...e]);
    const queue: number[] = [];
    for (let s = 0; s < symbols; s++) {
      const next = (edges[0] as number[])[s] as number;
      delta[s] = next === -1 ? 0 : next;
      if (next > 0) queue.push(next);
    }
    for (let head = 0; head < queue.length; head++) {
      const state = queue[head] as number;
      (outputs[state] as number[]).push(...(outputs[fail[state] as number] as number[]));
      for (let s = 0; s < symbols; s++) {
        const next = (edges[state] as number[])[s] as number;
        const viaFail = delta[(fail[state] as number) * symbols + s] as number;
        if (next === -1) {
          delta[state * symbols + s] = viaFail;
        } else {
          delta[state * symbols + s] = next;
          fail[next] = viaFail;
          queue.push(next);
        }
      }
    }
    const deadRow = stateCount * width;
    this.#deadRow = deadRow;
    this.#table = new Int32Array((stateCount + 1) * width).fill(deadRow); // the dead symbol, the dead state
    for (let state = 0; state < stateCount; state++) {
      for (let s = 0; s < symbols; s++) {
        const next = delta[state * symbols + s] as number;
        const row = next * width;
        this.#table[state * width + s] = outputs[next]?.length ? ~row : row;
      }
    }
    this.#foldedSymbolOf = new Uint16Array(65536).fill(deadSymbol);
    for (let unit = 0; unit < 128; unit++) {
      const lower = unit >= 65 && unit <= 90 ? unit + 32 : unit;
      this.#foldedSymbolOf[unit] = this.#symbolOf[lower] as number;
    }
    this.#outStart = new Int32Array(stateCount + 1);
    const flat: number[] = [];
    for (let s = 0; s < stateCount; s++) {
      this.#outStart[s] = flat.length;
      flat.push(...new Set(outputs[s]));
    }
    this.#outStart[stateCount] = flat.length;
    this.#outTerms = Int32Array.from(flat);
    this.#seen = new Int32Array(terms.length);
    this.#found = new Int32Array(terms.length);
  }

  /**
   * Term indexes found by the last scan: the first `count` entries (the scan's return value), each
   * term once. Overwritten by the next scan; no copy is made because a fresh array per task was a
   * measurable part of scoring.
   */
  get matches(): Int32Array {
    return this.#found;
  }

  /**
   * Scans `text.toLowerCase()` and returns how many terms occur in it (see `matches`).
   */
  scanIgnoringCase(text: string): number {
    // ASCII text is scanned as it is, with A–Z folded by the symbol table; a code unit beyond ASCII
    // sends the whole text through toLowerCase, whose Unicode rules (the Kelvin sign becomes "k",
    // "İ" becomes two units) a table cannot follow.
    const hitCount = this.#walk(text, this.#foldedSymbolOf);
    if (hitCount >= 0) return this.#collectHits(hitCount);
    return this.#collectHits(this.#walk(text.toLowerCase(), this.#symbolOf));
  }

  /** Scans `text` and returns how many terms occur in it, as `text.includes(term)` would find them. */
  scan(text: string): number {
    return this.#collectHits(this.#walk(text, this.#symbolOf));
  }

  /** The indexes of the terms in `text`, as a new array. */
  findAll(text: string): number[] {
    return Array.from(this.#found.subarray(0, this.scan(text)));
  }

  /** The indexes of the terms in `text.toLowerCase()`, as a new array. */
  findAllIgnoringCase(text: string): number[] {
    return Array.from(this.#found.subarray(0, this.scanIgnoringCase(text)));
  }

  /**
   * Runs the automaton over `text` and returns how many term-ending states it passed (their rows are
   * the first entries of #hits), or -1 when it ended in the dead state (a unit beyond ASCII under
   * the folded table).
   *
   * Branch-free per code unit: the row entered is always written to #hits, and the count moves on
   * only when terms end there. A task passes ~10 term-ending states in ~100 units, and the
   * mispredicted branch on each cost more than the store (bench score-personas: the scan went
   * from ~0.55 to ~0.42 µs per task with this and the dead state).
   */
  #walk(text: string, symbolOf: Uint16Array): number {
    const table = this.#table;
    const length = text.length;
    if (this.#hits.length < length) this.#hits = new Int32Array(Math.max(length, this.#hits.length * 2));
    const hits = this.#hits;
    let hitCount = 0;
    let row = 0;
    for (let i = 0; i < length; i++) {
      const next = table[row + (symbolOf[text.charCodeAt(i)] as number)] as number;
      const endsTerms = next >> 31; // -1 where terms end, else 0
      row = next ^ endsTerms;
      hits[hitCount] = row;
      hitCount -= endsTerms;
    }
    return row === this.#deadRow ? -1 : hitCount;
  }

  /**
   * The terms of the root (an empty term) and of each hit, each once; returns their count. A term
   * is marked with the scan's number rather than a flag, so nothing needs clearing afterwards.
   */
  #collectHits(hitCount: number): number {
    const hits = this.#hits;
    const width = this.#rowWidth;
    const outStart = this.#outStart;
    const outTerms = this.#outTerms;
    const seen = this.#seen;
    const found = this.#found;
    let scanNumber = this.#scanNumber + 1;
    if (scanNumber === 0x7fffffff) {
      seen.fill(0);
      scanNumber = 1;
    }
    this.#scanNumber = scanNumber;
    let count = 0;
    // h = -1 is the root, where an empty term ends.
    for (let h = -1; h < hitCount; h++) {
      const state = h < 0 ? 0 : ((hits[h] as number) / width) | 0;
      for (let o = outStart[state] as number, end = outStart[state + 1] as number; o < end; o++) {
        const t = outTerms[o] as number;
        if (seen[t] !== scanNumber) {
          seen[t] = scanNumber;
          found[count++] = t;
        }
      }
    }
    return count;
  }
}
