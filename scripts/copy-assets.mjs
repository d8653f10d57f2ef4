// tsc compiles TypeScript only; the SQL migrations and the dashboard's files are read at run time
// from beside the code that serves them.
import { cpSync } from 'node:fs';

cpSync('src/store/sqlite/migrations', 'dist/store/sqlite/migrations', { recursive: true });
cpSync('src/store/postgres/migrations', 'dist/store/postgres/migrations', { recursive: true });
cpSync('src/server/web', 'dist/server/web', { recursive: true });
