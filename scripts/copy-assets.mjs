// tsc compiles TypeScript only; the SQL migrations and functions and the dashboard's files are read at
// run time from beside the code that serves them. Each copy replaces the last, so that a file renamed or
// removed in src/ does not live on in dist/ (a stale migration would be applied as well).
import { cpSync, rmSync } from 'node:fs';

const ASSETS = [
  'store/sqlite/migrations',
  'store/postgres/migrations',
  'store/postgres/functions',
  'server/web',
];
for (const dir of ASSETS) {
  rmSync(`dist/${dir}`, { recursive: true, force: true });
  cpSync(`src/${dir}`, `dist/${dir}`, { recursive: true });
}
