import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { loadMigrations } from './migration-files.js';

describe('loadMigrations', () => {
  const dirs: string[] = [];
  afterEach(() => {
    for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
  });
  const directoryWith = (files: Record<string, string>): URL => {
    const dir = mkdtempSync(join(tmpdir(), 'migrations-'));
    dirs.push(dir);
    for (const [name, sql] of Object.entries(files)) writeFileSync(join(dir, name), sql);
    return pathToFileURL(`${dir}/`);
  };

  it('reads the numbered files in version order and passes over the rest', () => {
    const directory = directoryWith({ '0002_more.sql': 'B', '0001_schema.sql': 'A', 'notes.txt': 'x' });
    expect(loadMigrations(directory)).toEqual([
      { version: 1, name: 'schema', sql: 'A' },
      { version: 2, name: 'more', sql: 'B' },
    ]);
  });

  it('refuses two files of one number, naming both', () => {
    const directory = directoryWith({
      '0001_schema.sql': 'A',
      '0002_old_name.sql': 'B',
      '0002_new_name.sql': 'C',
    });
    expect(() => loadMigrations(directory)).toThrow(
      /two migrations are numbered 2 .*: (new_name and old_name|old_name and new_name)/,
    );
  });
});
