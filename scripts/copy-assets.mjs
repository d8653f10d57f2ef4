// tsc compiles TypeScript only; the SQL migrations and the dashboard's files are read at run time
// from beside the code that serves them. Each copy replaces the last, so that a file renamed or
// removed in src/ does not live on in dist/ (a stale migration would be applied as well).
import { cpSync, rmSync } from 'node:fs';

for (const dir of ['store/sqlite/migrations', 'store/postgres/migrations', 'server/web']) {
  rmSync(`dist/${dir}`, { recursive: true, force: true });
  cpSync(`src/${dir}`, `dist/${dir}`, { recursive: true });
}
