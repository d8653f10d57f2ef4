import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { type Browser, chromium, type Locator, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type DemoSwarm, startDemoSwarm } from '../../src/cli/demo-swarm.js';
import { AgentClient } from '../../src/client/agent-client.js';
import { systemClock } from '../../src/kernel/clock.js';
import { createRouter } from '../../src/router/create-router.js';
import type { Router } from '../../src/router/router.js';
import { openService, type Service } from '../../src/server/open-service.js';
import { createStore } from '../../src/store/create-store.js';
import { CHROMIUM_ARGS, CHROMIUM_PATH, requireChromium } from '../helpers/chromium.js';
import { tempDbPath, tempDir } from '../helpers/temp-dir.js';

/** Screenshots land here, beside the test output (kept by CI runs, ignored by git). */
const SCREENSHOTS = join(process.cwd(), 'test-output');

describe.runIf(requireChromium())('dashboard in headless Chromium', () => {
  const dir = tempDir('swarm-router-e2e-');
  let router: Router;
  let service: Service;
  let demo: DemoSwarm;
  let browser: Browser;
  let baseUrl: string;

  beforeAll(async () => {
    const store = createStore({ location: tempDbPath(dir) });
    router = createRouter({ store });
    service = await openService({
      router,
      store,
      clock: systemClock,
      offlineAfterMs: 30_000,
    });
    baseUrl = await service.app.listen({ host: '127.0.0.1', port: 0 });
    demo = await startDemoSwarm({ baseUrl, workMs: [200, 400], postEveryMs: 0 });
    browser = await chromium.launch({ executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS });
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await demo?.stop();
    await service?.close();
    await router?.close();
  });

  it('shows the demo swarm, and a task posted through the form is decided live with its breakdown', async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    // Under its Content-Security-Policy the page must run with nothing refused and nothing missing.
    const consoleErrors = collectConsoleErrors(page);
    const served = await page.goto(`${baseUrl}/`);
    expect(served?.headers()['content-security-policy']).toContain("frame-ancestors 'none'");
    await expect.poll(() => page.locator('[data-testid=connection]').textContent()).toBe('live');
    // The six personas, and the two skills of the demo's own A2A agent.
    await expect.poll(() => page.locator('[data-testid=agents] tbody tr').count()).toBe(8);
    expect(await page.locator('[data-testid=agents] tr[data-agent=forge] td.online').count()).toBe(1);
    expect(
      await page.locator('[data-testid=agents] tr[data-agent="demo-linguist:translate"] td.online').count(),
    ).toBe(1);

    const { taskId, row } = await postThroughForm(page, 'Fix the bug in the authentication code');
    await expect.poll(() => row.count()).toBe(1);
    // All six personas bid (and the router for a skill of the demo's A2A agent that matches the
    // text, if one does), the auction closes, forge wins it, accepts and completes it: live.
    await expect.poll(() => row.getAttribute('data-status'), { timeout: 15_000 }).toBe('completed');
    await expect
      .poll(() => page.locator('[data-testid=feed] li[data-kind="task:decided"]').count())
      .toBeGreaterThan(0);
    const { task } = (await (await fetch(`${baseUrl}/v1/tasks/${taskId}`)).json()) as {
      task: { bids: { agent_id: string }[] };
    };
    const bidders = task.bids.map((b) => b.agent_id);
    expect(bidders.filter((id) => !id.startsWith('demo-linguist:')).sort()).toEqual(
      ['echo', 'forge', 'helm', 'mace', 'quill', 'seer'].sort(),
    );
    await expect
      .poll(() => page.locator('[data-testid=feed] li[data-kind="bid:received"]').count())
      .toBe(bidders.length);

    const detail = page.locator('[data-testid=decision-detail]');
    await expect.poll(() => detail.locator('.chart [data-candidate]').count()).toBe(bidders.length);
    expect(await detail.locator('.reason').textContent()).toMatch(
      /^Selected forge \(bid \d+ sats, confidence [01]\.\d\d\)/,
    );
    expect(await detail.locator('[data-testid=decision-confidence]').textContent()).toMatch(
      /^confidence \d+% that forge is the right agent$/,
    );
    expect(await detail.locator('.chart .seg').count()).toBe(bidders.length * 5); // five signals per candidate
    await expect
      .poll(() => page.locator('[data-testid=agents] tr[data-agent=forge] td').nth(3).textContent())
      .toBe('1');
    // The personas complete what they win without handing anything back.
    await expect
      .poll(() => detail.locator('[data-testid=task-result]').textContent())
      .toBe('No result: the agent handed nothing back with its outcome.');

    mkdirSync(SCREENSHOTS, { recursive: true });
    await page.screenshot({ path: join(SCREENSHOTS, 'dashboard.png'), fullPage: true });
    expect(consoleErrors).toEqual([]);
    await page.close();
  }, 60_000);

  /** Posts a task through the page's form: its id, once the page says it was posted, and its row. */
  async function postThroughForm(
    page: Page,
    description: string,
    required = '',
  ): Promise<{ taskId: string; row: Locator }> {
    await page.fill('[data-testid=task-description]', description);
    await page.fill('[data-testid=task-required]', required);
    await page.click('[data-testid=post-submit]');
    await expect
      .poll(() => page.locator('[data-testid=post-result]').getAttribute('data-task-id'))
      .toMatch(/^task-/);
    const taskId = (await page.locator('[data-testid=post-result]').getAttribute('data-task-id')) as string;
    return { taskId, row: page.locator(`[data-testid=tasks] li[data-task-id="${taskId}"]`) };
  }

  function collectConsoleErrors(page: Page): string[] {
    const errors: string[] = [];
    page.on('console', (message) => {
      if (message.type() === 'error') errors.push(message.text());
    });
    page.on('pageerror', (error) => errors.push(error.message));
    return errors;
  }

  /** Posts a task through the form and waits until the dashboard shows it unassigned. */
  async function postUnassigned(page: Page, description: string, required = ''): Promise<Locator> {
    await page.goto(`${baseUrl}/`);
    await expect.poll(() => page.locator('[data-testid=connection]').textContent()).toBe('live');
    const { row } = await postThroughForm(page, description, required);
    await expect.poll(() => row.getAttribute('data-status'), { timeout: 15_000 }).toBe('unassigned');
    await row.click();
    return page.locator('[data-testid=decision-detail] [data-testid=decision-reason]');
  }

  it('says why nobody got a task that needs a capability no agent declares', async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    const reason = await postUnassigned(page, 'Bake a birthday cake', 'baking');
    await expect
      .poll(() => reason.textContent())
      .toBe('No suitable agent: no agent declares the capability `baking`');
    expect(await reason.getAttribute('class')).toBe('reason none');
    expect(await page.locator('[data-testid=decision-detail] .chart').count()).toBe(0);
    await expect
      .poll(() => page.locator('[data-testid=feed] li[data-kind="task:unassigned"]').first().textContent())
      .toContain('no agent declares the capability `baking`');
    await page.close();
  }, 60_000);

  it('gives nobody a task that every bidder matches below the threshold, and shows each refusal', async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    // Every persona bids, none covers a word of it: before, the cheapest or best-rated won anyway.
    const reason = await postUnassigned(page, 'Bake a birthday cake for grandma');
    await expect
      .poll(() => reason.textContent())
      .toMatch(
        /^No suitable agent: 6 agents were refused: 6 are below the capability threshold 0\.02 \(best \w+ 0\.000\)$/,
      );
    const refused = page.locator('[data-testid=decision-detail] .chart .refused');
    expect(await refused.count()).toBe(6);
    expect(await refused.first().textContent()).toBe('refused: is below the capability threshold 0.02');
    await page.close();
  }, 60_000);

  it('keeps the status the live feed gave a task when the answer to posting it comes later', async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    await page.goto(`${baseUrl}/`);
    await expect.poll(() => page.locator('[data-testid=connection]').textContent()).toBe('live');
    // The answer and the feed come on two connections, and on a loaded machine the feed can report
    // the auction's end first: here the answer is held until it has.
    let answeredStatus: string | undefined;
    await page.route('**/v1/tasks', async (route) => {
      if (route.request().method() !== 'POST') return route.continue();
      const answer = await route.fetch();
      const { task } = (await answer.json()) as { task: { task_id: string; status: string } };
      answeredStatus = task.status;
      await page
        .locator('[data-testid=feed] li[data-kind="task:unassigned"]', { hasText: task.task_id })
        .waitFor({ state: 'attached' });
      await route.fulfill({ response: answer });
    });
    const { row } = await postThroughForm(page, 'Bake a birthday cake for grandma');
    // The answer said 'open' (no bid could have come yet). The page shows the task's id and updates
    // its row in one step, so one read tells: the row keeps what the feed said since.
    expect(answeredStatus).toBe('open');
    expect(await row.getAttribute('data-status')).toBe('unassigned');
    await page.close();
  }, 60_000);

  it("shows the text of the artifact the demo's A2A agent handed back, markup as text", async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    const consoleErrors = collectConsoleErrors(page);
    await page.goto(`${baseUrl}/`);
    await expect.poll(() => page.locator('[data-testid=connection]').textContent()).toBe('live');
    // No persona's keyword in it (a persona bids low on one), so the translator wins.
    const markup = '<img src=x onerror=alert(1)>';
    const dialogs: string[] = [];
    page.on('dialog', (dialog) => {
      dialogs.push(dialog.message());
      void dialog.dismiss();
    });
    const { row } = await postThroughForm(page, `Translate the release notes ${markup} into French`);
    await expect.poll(() => row.getAttribute('data-status'), { timeout: 15_000 }).toBe('completed');
    expect(await row.locator('.muted').textContent()).toBe('demo-linguist:translate');

    const result = page.locator('[data-testid=decision-detail] [data-testid=task-result]');
    await expect
      .poll(() => result.locator('.part').allTextContents())
      .toEqual([`[demo translation] Translate the release notes ${markup} into French`]);
    expect(await result.locator('.artifact').textContent()).toBe('translation');
    expect(await page.locator('[data-testid=decision-detail] img').count()).toBe(0);
    expect(dialogs).toEqual([]);
    expect(consoleErrors).toEqual([]);
    await page.close();
  }, 60_000);

  it('shows a result of 64 KiB, nested as deep as a result may be, in a bounded box at once', async () => {
    const { client: agent } = await AgentClient.register(
      { baseUrl },
      {
        agent_id: 'bulky-reporter',
        agent_name: 'Bulky reporter',
        capabilities: ['bulk-reporting'],
        keywords: [],
        rate_sats: 10,
      },
    );
    try {
      await showsBulkyResult(agent);
    } finally {
      // The last test counts the roster.
      await agent.request('DELETE', '/v1/agents/bulky-reporter');
    }
  }, 60_000);

  async function showsBulkyResult(agent: AgentClient): Promise<void> {
    const task = await agent.postTask({
      description: 'Report everything',
      required_capabilities: ['bulk-reporting'],
      bidding_window_ms: 300,
    });
    await agent.bid(task.task_id, 10);
    await expect
      .poll(async () => (await agent.getTask(task.task_id)).task.status, { timeout: 15_000 })
      .toBe('offered');
    await agent.accept(task.task_id);
    // As deep as a result may nest (MAX_RESULT_DEPTH, 64: the result, artifacts, an artifact, its
    // parts and a part are five of them), which the page shows on one line past 12.
    let deep: unknown = 0;
    for (let i = 0; i < 58; i++) deep = [deep];
    const markup = '<img src=x onerror="document.title=\'pwned\'">';
    const parts: Record<string, unknown>[] = [{ text: markup }, { data: deep }];
    for (let i = 0; i < 900; i++) parts.push({ data: { line: i, ok: [1, 2, 3] } });
    const filler = { text: '' };
    parts.push(filler);
    const result = {
      a2a_task_id: 'bulky',
      state: 'completed',
      artifacts: [{ artifact_id: 'a1', name: 'report', parts }],
    };
    filler.text = 'x'.repeat(64 * 1024 - Buffer.byteLength(JSON.stringify(result))); // to the limit
    expect(Buffer.byteLength(JSON.stringify(result))).toBe(64 * 1024);
    await agent.complete(task.task_id, 5, result);

    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    const consoleErrors = collectConsoleErrors(page);
    await page.goto(`${baseUrl}/`);
    const row = page.locator(`[data-testid=tasks] li[data-task-id="${task.task_id}"]`);
    await expect.poll(() => row.getAttribute('data-status')).toBe('completed');
    const box = page.locator('[data-testid=task-result]');
    const started = performance.now();
    await row.click();
    await box.waitFor();
    // Reading its size lays the page out: the whole time from the click to a result drawn.
    const size = await box.evaluate((el) => ({
      height: el.clientHeight,
      scrolls: el.scrollHeight > el.clientHeight,
      chars: el.textContent?.length ?? 0,
    }));
    expect(performance.now() - started).toBeLessThan(2000);
    expect(size.height).toBeLessThanOrEqual(240);
    expect(size.scrolls).toBe(true);
    expect(size.chars).toBeLessThan(200_000); // one line for the deep part
    expect(await box.locator('.part').first().textContent()).toBe(markup);
    expect(await box.locator('pre').nth(1).textContent()).toBe(
      JSON.stringify({ data: { line: 0, ok: [1, 2, 3] } }, null, 2),
    );
    expect(await page.locator('[data-testid=decision-detail] img').count()).toBe(0);
    expect(await page.title()).toBe('swarm-router');
    expect(consoleErrors).toEqual([]);
    await page.close();
  }

  // Last: it leaves 300 more agents registered.
  it('shows a page of a large roster, searches it, and lists the agents with most wins', async () => {
    for (let i = 0; i < 300; i++) {
      const id = `bulk-${String(i).padStart(3, '0')}`;
      const response = await fetch(`${baseUrl}/v1/agents`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          agent_id: id,
          agent_name: `Bulk ${i}`,
          capabilities: [i % 100 === 7 ? 'needle' : 'hay'],
          keywords: [],
          rate_sats: 10,
        }),
      });
      expect(response.status).toBe(201);
    }
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    await page.goto(`${baseUrl}/`);
    await expect
      .poll(() => page.locator('[data-testid=agents-count]').textContent())
      .toBe('first 20 of 308 by id');
    expect(await page.locator('[data-testid=agents] tbody tr').count()).toBe(20);
    await page.fill('[data-testid=agent-search]', 'NEEDLE');
    await expect.poll(() => page.locator('[data-testid=agents-count]').textContent()).toBe('3 agents');
    expect(
      await page
        .locator('[data-testid=agents] tbody tr')
        .evaluateAll((rows) => rows.map((r) => r.getAttribute('data-agent'))),
    ).toEqual(['bulk-007', 'bulk-107', 'bulk-207']);
    // forge won the task the first test posted: it heads the table of wins.
    await expect
      .poll(() => page.locator('[data-testid=top-agents] tbody tr').first().getAttribute('data-agent'))
      .toBe('forge');
    expect(await page.locator('[data-testid=top-agents] tbody tr').count()).toBeLessThanOrEqual(10);
    await page.close();
  }, 60_000);
});
