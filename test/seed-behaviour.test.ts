import { describe, expect, it } from 'vitest';
import { RouterError } from '../src/kernel/errors.js';
import { PERSONAS } from '../src/manifest/personas.js';
import { createRouter } from '../src/router/create-router.js';
import type { Router } from '../src/router/router.js';
import { createStore } from '../src/store/create-store.js';
import { FakeClock } from './helpers/fake-clock.js';
import { tempDbPath, tempDir } from './helpers/temp-dir.js';

/** The seed repository's own routing tests (summarised in DESIGN.md), ported one by one. */
const dir = tempDir();

function routerWithLog(): Router {
  const clock = new FakeClock();
  const router = createRouter({
    store: createStore({ location: tempDbPath(dir) }),
    clock: { now: () => clock.now() },
    scorer: 'classic',
  });
  return router;
}

function capabilityOf(router: Router, agentId: string, text: string): number {
  const decision = router.decide({ description: text, bids: [] });
  const index = decision.agentIds.indexOf(agentId);
  if (index === -1) throw new Error(`${agentId} was not scored`);
  return decision.capability[index] as number;
}

describe('the seed test suite', () => {
  it('Forge scores "Fix the bug in the authentication code" at least 0.5', () => {
    const router = createRouter({ scorer: 'classic' });
    router.registerPersona('forge', 'forge-001');
    expect(
      capabilityOf(router, 'forge-001', 'Fix the bug in the authentication code'),
    ).toBeGreaterThanOrEqual(0.5);
  });

  it('Quill scores "Create documentation for the API" at least 0.2', () => {
    const router = createRouter({ scorer: 'classic' });
    router.registerPersona('quill', 'quill-001');
    expect(capabilityOf(router, 'quill-001', 'Create documentation for the API')).toBeGreaterThanOrEqual(0.2);
  });

  it('Forge scores "Analyze quarterly sales data trends" below 0.3', () => {
    const router = createRouter({ scorer: 'classic' });
    router.registerPersona('forge', 'forge-001');
    expect(capabilityOf(router, 'forge-001', 'Analyze quarterly sales data trends')).toBeLessThan(0.3);
  });

  it('never scores above 1.0, even when every keyword is present', () => {
    const router = createRouter({ scorer: 'classic' });
    router.registerPersona('forge', 'forge-001');
    const forge = PERSONAS.find((p) => p.personaId === 'forge');
    const everything = [...(forge?.keywords ?? []), ...(forge?.capabilities ?? [])].join(' ');
    expect(capabilityOf(router, 'forge-001', everything)).toBe(1);
  });

  it('Forge bidding 50 beats Quill bidding 40 on "Fix the bug in authentication code"', async () => {
    const router = routerWithLog();
    router.registerPersona('forge', 'forge-001');
    router.registerPersona('quill', 'quill-001');
    const decision = await router.route({
      taskId: 'task-1',
      description: 'Fix the bug in authentication code',
      bids: [
        { agentId: 'forge-001', bidSats: 50 },
        { agentId: 'quill-001', bidSats: 40 },
      ],
    });
    expect(decision.selectedAgent).toBe('forge-001');
    await router.close();
  });

  it('selects nobody when nobody bids', async () => {
    const router = routerWithLog();
    router.registerPersona('forge', 'forge-001');
    const decision = await router.route({ taskId: 'task-2', description: 'Some task', bids: [] });
    expect(decision.selectedAgent).toBeNull();
    expect(decision.selectionReason).toBe('No bids received');
    await router.close();
  });

  it('persists decisions, queryable by task, newest first, with a limit', async () => {
    const router = routerWithLog();
    router.registerPersona('forge', 'forge-001');
    for (let i = 0; i < 3; i++) {
      await router.route({
        taskId: 'task-h',
        description: `Fix bug ${i}`,
        bids: [{ agentId: 'forge-001', bidSats: 30 + i }],
      });
    }
    await router.route({ taskId: 'other', description: 'x', bids: [] });
    const page = await router.history({ taskId: 'task-h', limit: 2 });
    expect(page.decisions.map((d) => d.description)).toEqual(['Fix bug 2', 'Fix bug 1']);
    expect(page.nextCursor).not.toBeNull();
    await router.close();
  });

  it('after Forge wins "Code" and "Debug" and Echo wins "Research", Forge has 2 wins of 3 considered', async () => {
    const router = routerWithLog();
    router.registerPersona('forge', 'forge-001');
    router.registerPersona('echo', 'echo-001');
    await router.route({ taskId: 't1', description: 'Code', bids: [{ agentId: 'forge-001', bidSats: 30 }] });
    await router.route({ taskId: 't2', description: 'Debug', bids: [{ agentId: 'forge-001', bidSats: 30 }] });
    await router.route({
      taskId: 't3',
      description: 'Research',
      bids: [{ agentId: 'echo-001', bidSats: 30 }],
    });
    const stats = await router.stats('forge-001');
    expect(stats.tasksWon).toBe(2);
    expect(stats.tasksConsidered).toBe(3);
    expect(stats.winRate).toBe(2 / 3);
    await router.close();
  });

  it('exports every decision', async () => {
    const router = routerWithLog();
    router.registerPersona('forge', 'forge-001');
    for (let i = 0; i < 5; i++) await router.route({ taskId: `e${i}`, description: 'Fix', bids: [] });
    const taskIds: string[] = [];
    for await (const d of router.export()) taskIds.push(d.taskId);
    expect(taskIds).toEqual(['e0', 'e1', 'e2', 'e3', 'e4']);
    await router.close();
  });

  it('with all six personas registered, Forge scores highest for "Write a function to calculate fibonacci numbers"', () => {
    const router = createRouter({ scorer: 'classic' });
    for (const p of PERSONAS) router.registerPersona(p.personaId, `${p.personaId}-001`);
    const decision = router.decide({
      description: 'Write a function to calculate fibonacci numbers',
      bids: [],
    });
    const scores = new Map(decision.agentIds.map((id, i) => [id, decision.capability[i] as number]));
    // "Highest" includes a tie: under the seed's substring rules Quill ("write") and Helm ("ci" inside
    // "fibonacci") also reach 0.3, which is exactly what the seed computes too.
    expect(scores.get('forge-001')).toBe(Math.max(...scores.values()));
    expect(scores.get('forge-001')).toBeGreaterThan(0);
  });

  it('refuses an unknown persona and lists the known ones', () => {
    const router = createRouter({ scorer: 'classic' });
    const attempt = () => router.registerPersona('wizard', 'w-1');
    expect(attempt).toThrow(RouterError);
    expect(attempt).toThrow(
      "unknown persona 'wizard' (known personas: echo, mace, helm, seer, forge, quill)",
    );
  });
});

describe('text the store cannot hold as it is', () => {
  it('logs a description with a lone surrogate as it returns it, and the chain verifies', async () => {
    const router = routerWithLog();
    router.registerPersona('forge');
    const decision = await router.route({
      taskId: 't\ud800',
      description: 'Fix \udc00 the bug',
      bids: [{ agentId: 'forge', bidSats: 5 }],
    });
    expect(decision.description).toBe('Fix \ufffd the bug');
    const [back] = (await router.history({ limit: 1 })).decisions;
    expect(back?.description).toBe(decision.description);
    expect(back?.taskId).toBe('t\ufffd');
    expect(await router.verify()).toMatchObject({ ok: true, records: 1 });
    await router.close();
  });
});
