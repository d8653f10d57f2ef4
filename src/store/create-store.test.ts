import { describe, expect, it } from 'vitest';
import { displayLocation, isPostgresUrl } from './create-store.js';

describe('store locations', () => {
  it('are PostgreSQL for postgres:// and postgresql:// URLs, SQLite files otherwise', () => {
    expect(isPostgresUrl('postgres://h/db')).toBe(true);
    expect(isPostgresUrl('postgresql://h/db')).toBe(true);
    expect(isPostgresUrl('./data/postgres.db')).toBe(false);
    expect(isPostgresUrl(':memory:')).toBe(false);
  });

  it('show without a password', () => {
    expect(displayLocation('postgres://app:s3cret@db.example:5432/router?schema=a')).toBe(
      'postgres://app:***@db.example:5432/router?schema=a',
    );
    expect(displayLocation('postgres://app@db/router')).toBe('postgres://app@db/router');
    expect(displayLocation('./data/swarm-router.db')).toBe('./data/swarm-router.db');
  });
});
