/**
 * Variable-length fields for the blobs of a decision row: unsigned LEB128 integers, and numbers in
 * as few bytes as they can be kept exactly — a tag byte that is itself an integer from 0 to 127, or
 * says a float32, float64 or larger integer follows. Signals of 0, 1 and ½ and prices in sats are
 * common, so a bid's numbers take about a third of their float64 size, and read back bit for bit.
 */

const TAG_FLOAT32 = 0x80;
const TAG_FLOAT64 = 0x81;
const TAG_INTEGER = 0x82;
const LARGEST_SMALL_INTEGER = 0x7f;

/** What a reader found where a well-formed blob was expected. */
export class MalformedBlobError extends Error {
  override readonly name = 'MalformedBlobError';
}

/** Appends fields to one buffer, reused across blobs; `take` copies out what was written. */
export class ByteWriter {
  private buffer: Buffer;
  private at = 0;

  constructor(initialBytes = 4096) {
    this.buffer = Buffer.allocUnsafe(initialBytes);
  }

  private room(bytes: number): void {
    if (this.at + bytes <= this.buffer.length) return;
    const grown = Buffer.allocUnsafe(Math.max(this.buffer.length * 2, this.at + bytes));
    this.buffer.copy(grown, 0, 0, this.at);
    this.buffer = grown;
  }

  bytes(values: readonly number[]): void {
    this.room(values.length);
    for (const value of values) this.buffer[this.at++] = value;
  }

  /** A non-negative safe integer. */
  varint(value: number): void {
    this.room(8);
    let rest = value;
    while (rest > 0x7f) {
      this.buffer[this.at++] = (rest % 0x80) | 0x80;
      rest = Math.floor(rest / 0x80);
    }
    this.buffer[this.at++] = rest;
  }

  /** Any integer of int32 range, small in magnitude either side of zero. */
  zigzag(value: number): void {
    this.varint(value >= 0 ? value * 2 : -value * 2 - 1);
  }

  number(value: number): void {
    if (Number.isInteger(value) && value >= 0 && !Object.is(value, -0)) {
      if (value <= LARGEST_SMALL_INTEGER) {
        this.room(1);
        this.buffer[this.at++] = value;
        return;
      }
      if (value <= Number.MAX_SAFE_INTEGER) {
        this.room(1);
        this.buffer[this.at++] = TAG_INTEGER;
        this.varint(value);
        return;
      }
    }
    if (Math.fround(value) === value) {
      this.room(5);
      this.buffer[this.at++] = TAG_FLOAT32;
      this.at = this.buffer.writeFloatLE(value, this.at);
      return;
    }
    this.room(9);
    this.buffer[this.at++] = TAG_FLOAT64;
    this.at = this.buffer.writeDoubleLE(value, this.at);
  }

  /** A UTF-8 text of known byte length, without its length (the caller writes it first). */
  utf8(text: string, byteLength: number): void {
    this.room(byteLength);
    this.at += this.buffer.write(text, this.at, byteLength, 'utf8');
  }

  /** A copy of what was written since the last `take`, which starts the next blob. */
  take(): Buffer {
    const blob = Buffer.allocUnsafe(this.at);
    this.buffer.copy(blob, 0, 0, this.at);
    this.at = 0;
    return blob;
  }
}

/** Reads what ByteWriter wrote; anything short, too large or of an unknown tag throws MalformedBlobError. */
export class ByteReader {
  private at: number;

  constructor(
    private readonly buffer: Buffer,
    start = 0,
  ) {
    this.at = start;
  }

  get done(): boolean {
    return this.at === this.buffer.length;
  }

  private need(bytes: number): void {
    if (this.at + bytes > this.buffer.length)
      throw new MalformedBlobError(`ends at byte ${this.buffer.length}`);
  }

  byte(): number {
    this.need(1);
    return this.buffer[this.at++] as number;
  }

  varint(): number {
    let value = 0;
    let scale = 1;
    for (;;) {
      const byte = this.byte();
      value += (byte & 0x7f) * scale;
      if (value > Number.MAX_SAFE_INTEGER)
        throw new MalformedBlobError(`an integer at byte ${this.at} is too large`);
      if ((byte & 0x80) === 0) return value;
      scale *= 0x80;
    }
  }

  zigzag(): number {
    const encoded = this.varint();
    return encoded % 2 === 0 ? encoded / 2 : -(encoded + 1) / 2;
  }

  number(): number {
    const tag = this.byte();
    if (tag <= LARGEST_SMALL_INTEGER) return tag;
    if (tag === TAG_INTEGER) return this.varint();
    if (tag === TAG_FLOAT32) {
      this.need(4);
      const value = this.buffer.readFloatLE(this.at);
      this.at += 4;
      return value;
    }
    if (tag === TAG_FLOAT64) {
      this.need(8);
      const value = this.buffer.readDoubleLE(this.at);
      this.at += 8;
      return value;
    }
    throw new MalformedBlobError(`unknown number tag ${tag} at byte ${this.at - 1}`);
  }

  utf8(byteLength: number): string {
    this.need(byteLength);
    const text = this.buffer.toString('utf8', this.at, this.at + byteLength);
    this.at += byteLength;
    return text;
  }
}
