import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { type Browser, chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type DemoSwarm, startDemoSwarm } from '../../src/cli/demo-swarm.js';
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
    await page.goto(`${baseUrl}/`);
    await expect.poll(() => page.locator('[data-testid=connection]').textContent()).toBe('live');
    await expect.poll(() => page.locator('[data-testid=agents] tbody tr').count()).toBe(6);
    expect(await page.locator('[data-testid=agents] tr[data-agent=forge] td.online').count()).toBe(1);

    await page.fill('[data-testid=task-description]', 'Fix the bug in the authentication code');
    await page.click('[data-testid=post-submit]');
    await expect
      .poll(() => page.locator('[data-testid=post-result]').getAttribute('data-task-id'))
      .toMatch(/^task-/);
    const taskId = (await page.locator('[data-testid=post-result]').getAttribute('data-task-id')) as string;

    const row = page.locator(`[data-testid=tasks] li[data-task-id="${taskId}"]`);
    await expect.poll(() => row.count()).toBe(1);
    // All six personas bid, the auction closes, forge wins it, accepts and completes it: live.
    await expect.poll(() => row.getAttribute('data-status'), { timeout: 15_000 }).toBe('completed');
    await expect
      .poll(() => page.locator('[data-testid=feed] li[data-kind="task:decided"]').count())
      .toBeGreaterThan(0);
    await expect.poll(() => page.locator('[data-testid=feed] li[data-kind="bid:received"]').count()).toBe(6);

    const detail = page.locator('[data-testid=decision-detail]');
    await expect.poll(() => detail.locator('.chart [data-candidate]').count()).toBe(6);
    expect(await detail.locator('.reason').textContent()).toMatch(/^Selected forge/);
    expect(await detail.locator('.chart .seg').count()).toBe(6 * 5); // five signals per candidate
    await expect
      .poll(() => page.locator('[data-testid=agents] tr[data-agent=forge] td').nth(3).textContent())
      .toBe('1');

    mkdirSync(SCREENSHOTS, { recursive: true });
    await page.screenshot({ path: join(SCREENSHOTS, 'dashboard.png'), fullPage: true });
    await page.close();
  }, 60_000);
});
