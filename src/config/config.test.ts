import { describe, expect, it } from 'vitest';
import { loadConfig } from './config.js';

describe('the audit log location', () => {
  const url = 'postgres://postgres@127.0.0.1:5432/test';
  it('is the flag, then SWARM_ROUTER_DB, then DATABASE_URL, then ./data/swarm-router.db', () => {
    expect(loadConfig({ db: 'a.db' }, { SWARM_ROUTER_DB: 'b.db', DATABASE_URL: url }).db).toBe('a.db');
    expect(loadConfig({}, { SWARM_ROUTER_DB: 'b.db', DATABASE_URL: url }).db).toBe('b.db');
    expect(loadConfig({}, { DATABASE_URL: url }).db).toBe(url);
    expect(loadConfig({}, { DATABASE_URL: '  ' }).db).toBe('./data/swarm-router.db');
    expect(loadConfig({}, {}).db).toBe('./data/swarm-router.db');
  });
});
