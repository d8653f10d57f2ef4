import { afterAll, describe } from 'vitest';
import { PostgresStore } from '../../src/store/postgres/postgres-store.js';
import { runStoreContract } from '../contract/store-contract.js';
import { requirePostgres, testSchemas } from '../helpers/postgres.js';

const available = await requirePostgres();
const schemas = testSchemas('contract');
afterAll(() => schemas.dropAll());

describe.runIf(available)('PostgreSQL store', () => {
  runStoreContract('postgres', () => {
    const url = schemas.url();
    return { open: () => new PostgresStore({ url }) };
  });
});
