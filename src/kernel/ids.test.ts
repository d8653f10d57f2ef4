import { validate, version } from 'uuid';
import { describe, expect, it } from 'vitest';
import { newUuidV7 } from './ids.js';

describe('UUIDv7 ids', () => {
  it('are valid version-7 UUIDs (checked with the uuid package) carrying the timestamp', () => {
    const ms = Date.UTC(2026, 10, 24, 12, 0, 0);
    const id = newUuidV7(ms);
    expect(validate(id)).toBe(true);
    expect(version(id)).toBe(7);
    expect(Number.parseInt(id.slice(0, 8) + id.slice(9, 13), 16)).toBe(ms);
  });

  it('strictly increase within a process, even within one millisecond and past the counter', () => {
    const ms = Date.UTC(2026, 10, 24);
    const ids = Array.from({ length: 10_000 }, () => newUuidV7(ms));
    for (let i = 1; i < ids.length; i++) expect((ids[i] as string) > (ids[i - 1] as string)).toBe(true);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('never go backwards when the clock does', () => {
    const a = newUuidV7(Date.UTC(2030, 0, 1));
    const b = newUuidV7(Date.UTC(2029, 0, 1));
    expect(b > a).toBe(true);
  });
});
