import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ERROR_CODES } from '../src/kernel/errors.js';

describe('docs/errors.md', () => {
  const doc = readFileSync(new URL('../docs/errors.md', import.meta.url), 'utf8');
  it.each(Object.entries(ERROR_CODES))(
    'documents %s with its HTTP status and exit code',
    (code, { httpStatus, exitCode }) => {
      const cells = doc
        .split('\n')
        .map((line) => line.split('|').map((cell) => cell.trim()))
        .find((row) => row[1] === `\`${code}\``);
      expect(cells, `docs/errors.md has no row for ${code}`).toBeDefined();
      expect(cells?.[2]).toBe(String(httpStatus));
      expect(cells?.[3]).toBe(String(exitCode));
    },
  );
});
