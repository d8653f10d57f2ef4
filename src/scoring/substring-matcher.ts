/**
 * Finds which of a fixed set of strings occur anywhere in a text, as substrings, in one pass over the
 * text (an Aho–Corasick automaton over UTF-16 code units). Same answer as calling `text.includes(t)`
 * for every term, but the cost grows with the text's length rather than with the number of terms:
 * on the personas workload that was 75 `includes` calls per task, and the largest cost of scoring.
 */
export class SubstringMatcher {
  /** Code unit → alphabet symbol; 0 is "a unit no term contains". */
  readonly #symbolOf = new Uint16Array(65536);
  readonly #alphabetSize: number;
  /** Like #symbolOf, but A–Z share the symbols of a–z: lower-casing for free on ASCII text. */
  readonly #foldedSymbolOf = new Uint16Array(128);
  /**
   * The full transition function, for the scan: the entry at `row + symbol` is the next state's row
   * (state × alphabetSize), bit-inverted (negative) when terms end at that state, so each code unit
   * costs one table read and one sign test.
   */
  readonly #table: Int32Array;
  /** Terms that end at each state (its own and those reached through suffix links). */
  readonly #outStart: Int32Array;
  readonly #outTerms: Int32Array;
  readonly #seen: Uint8Array;
  readonly #found: Int32Array;

  constructor(terms: readonly string[]) {
    let symbols = 1;
    for (const term of terms) {
      for (let i = 0; i < term.length; i++) {
        const unit = term.charCodeAt(i);
        if (this.#symbolOf[unit] === 0) this.#symbolOf[unit] = symbols++;
      }
    }
    this.#alphabetSize = symbols;

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
    this.#table = new Int32Array(delta.length);
    for (let i = 0; i < delta.length; i++) {
      const next = delta[i] as number;
      const row = next * symbols;
      this.#table[i] = outputs[next]?.length ? ~row : row;
    }
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
    this.#seen = new Uint8Array(terms.length);
    this.#found = new Int32Array(terms.length);
  }

  /**
   * Term indexes found by the last scan: the first `count` entries (the scan's return value), each
   * term once, in order of first discovery. Overwritten by the next scan; no copy is made because
   * a fresh array per task was a measurable part of scoring.
   */
  get matches(): Int32Array {
    return this.#found;
  }

  /**
   * Scans `text.toLowerCase()` and returns how many terms occur in it (see `matches`).
   */
  scanIgnoringCase(text: string): number {
    // ASCII text is scanned as it is, with A–Z folded by the symbol table; the first code unit
    // beyond ASCII sends the whole text through toLowerCase, whose Unicode rules (the Kelvin sign
    // becomes "k", "İ" becomes two units) a table cannot follow.
    const count = this.#scan(text, true);
    return count >= 0 ? count : this.#scan(text.toLowerCase(), false);
  }

  /** Scans `text` and returns how many terms occur in it, as `text.includes(term)` would find them. */
  scan(text: string): number {
    return this.#scan(text, false);
  }

  /** The indexes of the terms in `text`, as a new array. */
  findAll(text: string): number[] {
    return Array.from(this.#found.subarray(0, this.scan(text)));
  }

  /** The indexes of the terms in `text.toLowerCase()`, as a new array. */
  findAllIgnoringCase(text: string): number[] {
    return Array.from(this.#found.subarray(0, this.scanIgnoringCase(text)));
  }

  /** The number of terms found, or -1 when `asciiOnly` and a non-ASCII code unit turns up. */
  #scan(text: string, asciiOnly: boolean): number {
    const table = this.#table;
    const size = this.#alphabetSize;
    let count = this.#collect(0, 0);
    let row = 0;
    const length = text.length;
    // Two copies of one loop, so that the common (ASCII) one tests nothing it does not need to.
    if (asciiOnly) {
      const symbolOf = this.#foldedSymbolOf;
      for (let i = 0; i < length; i++) {
        const unit = text.charCodeAt(i);
        if (unit >= 128) {
          this.#forget(count);
          return -1;
        }
        const next = table[row + (symbolOf[unit] as number)] as number;
        if (next >= 0) {
          row = next;
        } else {
          row = ~next;
          count = this.#collect((row / size) | 0, count);
        }
      }
    } else {
      const symbolOf = this.#symbolOf;
      for (let i = 0; i < length; i++) {
        const next = table[row + (symbolOf[text.charCodeAt(i)] as number)] as number;
        if (next >= 0) {
          row = next;
        } else {
          row = ~next;
          count = this.#collect((row / size) | 0, count);
        }
      }
    }
    this.#forget(count);
    return count;
  }

  /** Clears the seen marks of the terms found, ready for the next scan. */
  #forget(count: number): void {
    const seen = this.#seen;
    const found = this.#found;
    for (let f = 0; f < count; f++) seen[found[f] as number] = 0;
  }

  /** Adds the terms ending at `state` to the found list; returns the new count. */
  #collect(state: number, count: number): number {
    const outStart = this.#outStart;
    const outTerms = this.#outTerms;
    const seen = this.#seen;
    for (let o = outStart[state] as number, end = outStart[state + 1] as number; o < end; o++) {
      const t = outTerms[o] as number;
      if (seen[t] === 0) {
        seen[t] = 1;
        this.#found[count++] = t;
      }
    }
    return count;
  }
}
