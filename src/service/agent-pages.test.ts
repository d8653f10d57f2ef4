import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { agent } from '../../test/helpers/manifest.js';
import { AgentRegistry } from '../manifest/agent-registry.js';
import { AgentPages } from './agent-pages.js';

describe('AgentPages', () => {
  it('pages through every agent once, in id order, whatever the page size, while agents come and go', () => {
    fc.assert(
      fc.property(
        fc.uniqueArray(fc.string({ minLength: 1, maxLength: 6, unit: 'grapheme' }), { maxLength: 30 }),
        fc.integer({ min: 1, max: 7 }),
        fc.nat(),
        (ids, limit, removedAt) => {
          const registry = new AgentRegistry();
          for (const id of ids) registry.register(agent(id));
          const pages = new AgentPages(registry);
          const seen: string[] = [];
          let cursor: string | undefined;
          let removed: string | undefined;
          for (;;) {
            const page = pages.page({ limit, ...(cursor === undefined ? {} : { cursor }) });
            expect(page.manifests.length).toBeLessThanOrEqual(limit);
            seen.push(...page.manifests.map((m) => m.agentId));
            if (page.nextCursor === null) break;
            cursor = page.nextCursor;
            // The agent a cursor names is removed: the cursor still leads on.
            if (removed === undefined && removedAt % 2 === 0) {
              removed = seen.at(-1) as string;
              registry.unregister(removed);
            }
          }
          expect(seen).toEqual([...ids].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)));
        },
      ),
    );
  });

  it('searches ids, names and capability tags without regard to case, and counts the matches', () => {
    const registry = new AgentRegistry();
    registry.register(agent('pg-tuner', { agentName: 'Postgres Tuner', capabilities: ['Database'] }));
    registry.register(agent('writer', { capabilities: ['docs'] }));
    registry.register(agent('sql-bot', { capabilities: ['database'] }));
    const pages = new AgentPages(registry);
    const page = pages.page({ limit: 1, search: 'DATABASE' });
    expect(page.manifests.map((m) => m.agentId)).toEqual(['pg-tuner']);
    expect(page.total).toBe(2);
    const next = pages.page({ limit: 1, search: 'database', cursor: page.nextCursor as string });
    expect(next.manifests.map((m) => m.agentId)).toEqual(['sql-bot']);
    expect(next.nextCursor).toBeNull();
    expect(pages.page({ limit: 5, search: 'tuner' }).manifests.map((m) => m.agentId)).toEqual(['pg-tuner']);
  });

  it('refuses a cursor it did not issue', () => {
    const pages = new AgentPages(new AgentRegistry());
    for (const cursor of ['', '!!', 'YQ', Buffer.from('b-x').toString('base64url'), 'YWJj=']) {
      expect(() => pages.page({ limit: 1, cursor }), cursor).toThrow(/not one this service issued/);
    }
  });
});
