import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { AgentManifest } from '../manifest/manifest.js';
import { createRouter } from './create-router.js';
import { shippedWordVectors } from './word-vectors-asset.js';

const agent = (agentId: string, capabilities: string[], examples?: string[]): AgentManifest => ({
  agentId,
  agentName: agentId,
  capabilities,
  keywords: [],
  rateSats: 10,
  ...(examples === undefined ? {} : { examples }),
});

/** Ten examples each: enough for the roster's own "no suitable agent" threshold. */
const MECHANIC = agent(
  'mechanic',
  ['car-repair'],
  [
    'replace the brake pads on my car',
    'the engine overheats on the highway',
    'change the oil and the oil filter',
    'my tyres lose pressure overnight',
    'the gearbox grinds when shifting gears',
    'check the battery and the alternator',
    'the exhaust is louder than it used to be',
    'align the wheels after hitting a kerb',
    'the clutch slips when accelerating',
    'fix the windscreen wipers',
  ],
);
const CHEF = agent(
  'chef',
  ['cooking'],
  [
    'a recipe for a chocolate cake',
    'how long to roast a chicken',
    'make a vegetable soup for dinner',
    'bake bread with sourdough starter',
    'a sauce to serve with pasta',
    'grill salmon fillets on the barbecue',
    'prepare a salad dressing with lemon',
    'cook rice so that it is fluffy',
    'marinate beef for a stew',
    'season a cast iron pan',
  ],
);
const GARDENER = agent(
  'gardener',
  ['gardening'],
  [
    'when to prune the apple trees',
    'plant tulip bulbs in autumn',
    'get rid of aphids on the roses',
    'water the lawn during a drought',
    'grow tomatoes in a greenhouse',
    'compost kitchen scraps',
    'repot a root bound house plant',
    'sow carrot seeds in spring',
    'mulch the flower beds',
    'trim the hedge along the fence',
  ],
);

describe('routing with the semantic channel', () => {
  it('routes a task that shares no word with any manifest to the agent it is about', () => {
    const router = createRouter({ wordVectors: shippedWordVectors() });
    for (const a of [MECHANIC, CHEF, GARDENER]) router.registerAgent(a);
    const bids = ['mechanic', 'chef', 'gardener'].map((agentId) => ({ agentId, bidSats: 10 }));
    const decision = router.decide({
      taskId: 't-1',
      description: 'automobile shudders violently',
      bids,
    });
    expect(decision.selectedAgent).toBe('mechanic');
    const lexicalOnly = createRouter({ wordVectors: false });
    for (const a of [MECHANIC, CHEF, GARDENER]) lexicalOnly.registerAgent(a);
    // Without it the lexical score has nothing to go on: nobody is suitable.
    expect(
      lexicalOnly.decide({ taskId: 't-1', description: 'automobile shudders violently', bids }).selectedAgent,
    ).toBeNull();
  });

  it('keeps the threshold meaningful: tasks about none of them score below tasks about one of them', () => {
    const router = createRouter({ wordVectors: shippedWordVectors() });
    for (const a of [MECHANIC, CHEF, GARDENER]) router.registerAgent(a);
    const bids = ['mechanic', 'chef', 'gardener'].map((agentId) => ({ agentId, bidSats: 10 }));
    const best = (description: string): number =>
      Math.max(...Array.from(router.decide({ taskId: 't', description, bids }).capability));
    const inScope = [
      'automobile shudders violently',
      'scrambled eggs for breakfast',
      'weeds in my vegetable patch',
    ];
    const outOfScope = [
      'prove the riemann hypothesis',
      'book a flight to tokyo',
      'translate this poem into latin',
    ];
    const lowestInScope = Math.min(...inScope.map(best));
    for (const task of outOfScope) expect(best(task)).toBeLessThan(lowestInScope);
    // A task in words no vector knows gets nothing from the channel: nobody is suitable.
    expect(router.decide({ taskId: 't', description: 'zqxv wqkj', bids }).selectedAgent).toBeNull();
  });

  it('leaves the scores of a roster without examples exactly as the lexical scorer gives them', () => {
    const roster = [agent('mechanic', ['car-repair', 'engine']), agent('chef', ['cooking', 'recipes'])];
    const withVectors = createRouter({ wordVectors: shippedWordVectors() });
    const without = createRouter({ wordVectors: false });
    for (const a of roster) {
      withVectors.registerAgent(a);
      without.registerAgent(a);
    }
    const bids = roster.map((a) => ({ agentId: a.agentId, bidSats: 10 }));
    fc.assert(
      fc.property(fc.string({ minLength: 1, maxLength: 80 }), (text) => {
        const description = `${text} engine recipes`;
        const a = withVectors.decide({ taskId: 't', description, bids });
        const b = without.decide({ taskId: 't', description, bids });
        expect(Array.from(a.capability)).toEqual(Array.from(b.capability));
      }),
      { numRuns: 50 },
    );
  });
});
