/**
 * The web app end to end, as a newcomer meets it: the product started the way `npm start` starts it (sandbox
 * destinations, a synthetic sample in storage, a one-time admin password on the console), driven in Debian's
 * Chromium through playwright-core. Screenshots of every step go to test-artifacts/screenshots/.
 */
import type { Browser, BrowserContext, Locator, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildWebApp, launchChromium, snap, startProduct, type RunningProduct } from './product.js';

let product: RunningProduct;
let browser: Browser;
let context: BrowserContext;
let page: Page;
const NEW_PASSWORD = 'correct horse battery staple 42';

beforeAll(async () => {
  buildWebApp();
  // A failing batch goes dead at once (no queue-level retries), so the failure test does not wait on backoffs.
  product = await startProduct({ AU_JOB_RETRY_LIMIT: '0' });
  browser = await launchChromium();
  // Reduced motion: screenshots show progress bars where they are, not mid-transition.
  context = await browser.newContext({ viewport: { width: 1366, height: 900 }, reducedMotion: 'reduce' });
  page = await context.newPage();
  page.setDefaultTimeout(30_000);
}, 180_000);

afterAll(async () => {
  await browser?.close();
  await product?.stop();
});

async function sandboxFaults(platform: string, settings: Record<string, number>): Promise<void> {
  const response = await fetch(`${product.sandboxUrl}/_sandbox/${platform}/faults`, {
    method: 'PUT',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(settings),
  });
  expect(response.ok).toBe(true);
}

async function sandboxMembers(platform: string, audienceId: string): Promise<number> {
  const response = await fetch(`${product.sandboxUrl}/_sandbox/${platform}/audiences/${audienceId}/members`);
  expect(response.ok).toBe(true);
  return ((await response.json()) as { count: number }).count;
}

/** Every visible form field on the page has an accessible name (a label, aria-label or aria-labelledby). */
async function expectEveryFieldLabelled(): Promise<void> {
  // Runs in the page (a string: the Node-side program has no DOM types).
  const unlabelled = await page.evaluate<string[]>(`
    [...document.querySelectorAll('input, select, textarea')]
      .filter((field) => field.type !== 'hidden' && field.offsetParent !== null)
      .filter((field) => !(field.labels?.length || field.getAttribute('aria-label') || field.getAttribute('aria-labelledby')))
      .map((field) => field.outerHTML.slice(0, 120))
  `);
  expect(unlabelled).toEqual([]);
}

/** Presses Tab until `target` has the focus: proves it is reachable with the keyboard alone. */
async function tabTo(target: Locator, maxPresses = 80): Promise<void> {
  for (let i = 0; i < maxPresses; i++) {
    if (await target.evaluate((el) => el === (globalThis as unknown as { document: { activeElement: unknown } }).document.activeElement)) return;
    await page.keyboard.press('Tab');
  }
  throw new Error(`could not reach ${target.toString()} with Tab`);
}

/**
 * Picks an option the way a keyboard user does: Tab to the select, then type the start of the option's text (the
 * browser's type-ahead), as much of it as tells it apart from the other options.
 */
async function chooseWithKeyboard(select: Locator, value: string): Promise<void> {
  const texts = (await select.locator('option').allTextContents()).map((text) => text.trim().toLowerCase());
  const target = ((await select.locator(`option[value="${value}"]`).textContent()) ?? '').trim();
  let prefix = target;
  for (let length = 1; length <= target.length; length++) {
    const candidate = target.slice(0, length).toLowerCase();
    if (texts.filter((text) => text.startsWith(candidate)).length === 1) {
      prefix = target.slice(0, length);
      break;
    }
  }
  await tabTo(select);
  await page.keyboard.type(prefix);
  expect(await select.inputValue()).toBe(value);
}

interface WizardRun {
  shot: string;
  audience: string;
  destination: string;
  mode: string;
  mapping: Record<string, string>;
  keyboardOnly?: boolean;
}

/** Walks the five steps; returns on the monitor page. */
async function runWizard(run: WizardRun): Promise<void> {
  const newUpload = page.getByRole('link', { name: 'New upload' }).first();
  if (run.keyboardOnly) {
    await tabTo(newUpload);
    await page.keyboard.press('Enter');
  } else {
    await newUpload.click();
  }

  await expect.poll(() => page.getByRole('heading', { name: 'Select file' }).isVisible()).toBe(true);
  const samples = page.getByRole('button', { name: /samples/ }).first();
  if (run.keyboardOnly) {
    await tabTo(samples);
    await page.keyboard.press('Enter');
  } else {
    await samples.click();
  }
  const sample = page.getByRole('checkbox', { name: /audience-sample\.csv/ });
  if (run.keyboardOnly) {
    await tabTo(sample);
    await page.keyboard.press('Space');
  } else {
    await sample.check();
  }
  await expectEveryFieldLabelled();
  await snap(page, `${run.shot}-1-select-file`);
  await next(run);

  await expect.poll(() => page.getByRole('heading', { name: 'Define dataset' }).isVisible(), { timeout: 60_000 }).toBe(true);
  if (run.keyboardOnly) {
    await tabTo(page.getByLabel('Audience name', { exact: true }));
    await page.keyboard.type(run.audience);
  } else {
    await page.getByLabel('Audience name', { exact: true }).fill(run.audience);
  }
  const destination = page.getByLabel('Destination', { exact: true });
  const destinationId = (await destination.locator('option', { hasText: run.destination }).getAttribute('value'))!;
  const mode = page.getByLabel('Mode', { exact: true });
  if (run.keyboardOnly) {
    await chooseWithKeyboard(destination, destinationId);
    await chooseWithKeyboard(mode, run.mode);
  } else {
    await destination.selectOption(destinationId);
    await mode.selectOption(run.mode);
  }
  await expectEveryFieldLabelled();
  await snap(page, `${run.shot}-2-define-dataset`);
  await next(run);

  await expect.poll(() => page.getByRole('heading', { name: 'Define columns' }).isVisible()).toBe(true);
  const selects = page.getByLabel(/^Identifier for /);
  await expect.poll(() => selects.count()).toBeGreaterThan(0);
  for (const select of await selects.all()) {
    const label = (await select.getAttribute('aria-label')) ?? (await select.evaluate((el) => (el as unknown as { labels?: { textContent: string | null }[] }).labels?.[0]?.textContent ?? ''));
    const column = label.replace(/^Identifier for /, '').trim();
    if (run.keyboardOnly) await chooseWithKeyboard(select, run.mapping[column] ?? '');
    else await select.selectOption(run.mapping[column] ?? '');
  }
  // The live preview has answered for every mapped column.
  await expect.poll(() => page.getByText(/checking…|Updating…/).count(), { timeout: 60_000 }).toBe(0);
  await expectEveryFieldLabelled();
  await snap(page, `${run.shot}-3-define-columns`);
  await next(run);

  await expect.poll(() => page.getByRole('heading', { name: 'Confirm' }).isVisible()).toBe(true);
  // The dry run's figures are in before the terms are acknowledged.
  await expect.poll(() => page.getByText(/Working out what would be sent/).count(), { timeout: 120_000 }).toBe(0);
  await expect.poll(() => page.getByTestId('dry-run').isVisible()).toBe(true);
  const terms = page.getByRole('checkbox', { name: /^I confirm/ });
  await expect.poll(() => terms.isVisible(), { timeout: 90_000 }).toBe(true);
  if (run.keyboardOnly) {
    await tabTo(terms);
    await page.keyboard.press('Space');
  } else {
    await terms.check();
  }
  await expectEveryFieldLabelled();
  await snap(page, `${run.shot}-4-confirm`);
  const start = page.getByRole('button', { name: 'Start upload' });
  if (run.keyboardOnly) {
    await tabTo(start);
    await page.keyboard.press('Enter');
  } else {
    await start.click();
  }
  await expect.poll(() => page.getByRole('heading', { name: 'Monitor' }).isVisible()).toBe(true);
}

async function next(run: WizardRun): Promise<void> {
  const button = page.getByRole('button', { name: 'Next' });
  if (run.keyboardOnly) {
    await tabTo(button);
    await page.keyboard.press('Enter');
  } else {
    await button.click();
  }
}

async function waitForState(states: RegExp, timeout = 180_000): Promise<string> {
  await expect.poll(() => page.getByTestId('job-state').textContent(), { timeout, interval: 500 }).toMatch(states);
  return (await page.getByTestId('job-state').textContent())!.trim();
}

const figure = async (testId: string) => Number(await page.getByTestId(testId).getAttribute('data-value'));

describe('the web app', () => {
  it('first sign-in with the printed one-time password forces a password change', async () => {
    await page.goto(product.url);
    await expect.poll(() => page.getByLabel('Email', { exact: true }).isVisible()).toBe(true);
    await expectEveryFieldLabelled();
    await snap(page, '01-sign-in');
    await page.getByLabel('Email', { exact: true }).fill(product.adminEmail);
    await page.getByLabel('Password', { exact: true }).fill(product.adminPassword);
    await page.getByRole('button', { name: 'Sign in' }).click();

    await expect.poll(() => page.getByLabel('Current password').isVisible()).toBe(true);
    await expectEveryFieldLabelled();
    await snap(page, '02-change-password');
    await page.getByLabel('Current password', { exact: true }).fill(product.adminPassword);
    await page.getByLabel('New password', { exact: true }).fill(NEW_PASSWORD);
    await page.getByLabel('Confirm new password', { exact: true }).fill(NEW_PASSWORD);
    await page.getByRole('button', { name: 'Change password' }).click();
    await expect.poll(() => page.getByRole('link', { name: 'New upload' }).first().isVisible()).toBe(true);
    await snap(page, '03-dashboard');
  }, 120_000);

  it('uploads the sample to the TikTok sandbox through the wizard and shows the sandbox counts', async () => {
    await runWizard({ shot: '10-tiktok', audience: 'E2E TikTok', destination: 'TikTok Sandbox', mode: 'append', mapping: { email: 'EMAIL' } });
    expect(await waitForState(/^(complete|failed|dead|cancelled)$/)).toBe('complete');
    await snap(page, '10-tiktok-5-monitor-complete');
    const audienceId = (await page.getByTestId('audience-id').textContent())!.trim();
    expect(audienceId).toMatch(/^\d+$/);
    const received = await figure('received-count');
    expect(received).toBeGreaterThan(1000);
    expect(received).toBe(await sandboxMembers('tiktok', audienceId));
   }, 400_000);

  it('uploads the sample to the Meta sandbox with several identifiers, using the keyboard alone', async () => {
    await runWizard({
      shot: '20-meta',
      audience: 'E2E Meta',
      destination: 'Meta Sandbox',
      mode: 'replace',
      mapping: { email: 'EMAIL', phone: 'PHONE', first_name: 'FN', last_name: 'LN', zip: 'ZIP', country: 'COUNTRY' },
      keyboardOnly: true,
    });
    expect(await waitForState(/^(complete|failed|dead|cancelled)$/)).toBe('complete');
    await snap(page, '20-meta-5-monitor-complete');
    const audienceId = (await page.getByTestId('audience-id').textContent())!.trim();
    const received = await figure('received-count');
    expect(received).toBeGreaterThan(1000);
    expect(received).toBe(await sandboxMembers('meta', audienceId));
   }, 400_000);

  it("shows the rows the platform rejected, with the platform's answers", async () => {
    await sandboxFaults('meta', { invalidRowRate: 0.02, seed: 11 });
    try {
      await runWizard({ shot: '25-meta-rejected', audience: 'E2E Meta rejected', destination: 'Meta Sandbox', mode: 'append', mapping: { email: 'EMAIL' } });
      expect(await waitForState(/^(complete|failed|dead|cancelled)$/)).toBe('complete');
    } finally {
      await sandboxFaults('meta', { invalidRowRate: 0 });
    }
    const audienceId = (await page.getByTestId('audience-id').textContent())!.trim();
    const rejected = await figure('rejected-count');
    expect(rejected).toBeGreaterThan(0);
    expect(await figure('received-count')).toBe((await sandboxMembers('meta', audienceId)) + rejected);
    const card = page.locator('section', { has: page.getByRole('heading', { name: 'What the platform rejected' }) });
    await expect.poll(() => card.getByRole('listitem').count()).toBeGreaterThan(0);
    expect(await card.getByRole('listitem').first().textContent()).toMatch(/^row \d+: the platform could not use this row$/);
    await snap(page, '25-meta-rejected-5-monitor');
  }, 400_000);

  it('shows a failing upload with its reason and completes it with Retry', async () => {
    await sandboxFaults('tiktok', { serverErrorRate: 1 });
    await runWizard({ shot: '30-failure', audience: 'E2E TikTok retry', destination: 'TikTok Sandbox', mode: 'append', mapping: { email: 'EMAIL' } });
    expect(await waitForState(/^(complete|failed|dead|cancelled)$/)).toMatch(/^(failed|dead)$/);
    const alert = page.getByRole('alert').first();
    await expect.poll(() => alert.textContent()).toMatch(/platform/i);
    await snap(page, '30-failure-5-monitor-failed');

    await sandboxFaults('tiktok', { serverErrorRate: 0 });
    await page.getByRole('button', { name: 'Retry' }).click();
    // The page first shows the retry under way, then where it ends.
    await waitForState(/^(queued|preparing|uploading|complete)$/, 30_000);
    expect(await waitForState(/^(complete|failed|dead|cancelled)$/)).toBe('complete');
    await snap(page, '30-failure-6-monitor-retried');
    const audienceId = (await page.getByTestId('audience-id').textContent())!.trim();
    expect(await figure('received-count')).toBe(await sandboxMembers('tiktok', audienceId));
   }, 400_000);
  it('pages the audit log: Older appends the next entries until there are none', async () => {
    // 60 audit entries at once: API tokens created through the API with the page's own session.
    const session = await page.request.get(`${product.url}/api/auth/session`);
    const { csrfToken } = (await session.json()) as { csrfToken: string };
    for (let i = 0; i < 60; i++) {
      const created = await page.request.post(`${product.url}/api/tokens`, { data: { name: `paging ${i}` }, headers: { 'x-csrf-token': csrfToken } });
      expect(created.status()).toBe(201);
    }
    await page.getByRole('link', { name: 'Audit log', exact: true }).click();
    const rows = page.getByRole('table', { name: 'Audit log entries' }).locator('tbody tr');
    await expect.poll(() => rows.count()).toBe(50);
    await expect.poll(() => page.getByText('50 shown').isVisible()).toBe(true);
    await page.getByRole('button', { name: 'Older', exact: true }).click();
    await expect.poll(() => rows.count()).toBeGreaterThan(60);
    const total = await rows.count();
    await expect.poll(() => page.getByText(`${total} shown`).isVisible()).toBe(true);
    // The first 50 plus what was older: all 60 token entries, each once.
    const texts = await rows.allTextContents();
    expect(new Set(texts.filter((t) => t.includes('token.created'))).size).toBe(60);
    if (total < 100) expect(await page.getByRole('button', { name: 'Older', exact: true }).count()).toBe(0);
    await snap(page, '44-audit-log-older');
  }, 120_000);

  it('every page labels its fields; an admin adds a viewer, who must change the password and cannot upload', async () => {
    const pages = ['Dashboard', 'Jobs', 'Destinations', 'Saved mappings', 'Schedules', 'Drop zone', 'API tokens', 'Users', 'Audit log'];
    for (const [index, name] of pages.entries()) {
      await page.getByRole('link', { name, exact: true }).click();
      await expect.poll(() => page.getByRole('heading', { level: 1, name }).isVisible()).toBe(true);
      await page.waitForLoadState('networkidle');
      await expectEveryFieldLabelled();
      await snap(page, `40-page-${String(index + 1).padStart(2, '0')}-${name.toLowerCase().replaceAll(' ', '-')}`);
    }

    await page.getByRole('link', { name: 'Users', exact: true }).click();
    await page.getByLabel('Email', { exact: true }).fill('viewer@example.test');
    await page.getByLabel('Role', { exact: true }).selectOption('viewer');
    await page.getByRole('button', { name: 'Add user' }).click();
    const oneTime = ((await page.getByTestId('one-time-password').textContent()) ?? '').trim();
    expect(oneTime.length).toBeGreaterThanOrEqual(12);
    await snap(page, '41-user-added-one-time-password');

    const viewerContext = await browser.newContext({ viewport: { width: 1366, height: 900 }, reducedMotion: 'reduce' });
    try {
      const viewer = await viewerContext.newPage();
      await viewer.goto(product.url);
      await viewer.getByLabel('Email', { exact: true }).fill('viewer@example.test');
      await viewer.getByLabel('Password', { exact: true }).fill('not the password');
      await viewer.getByRole('button', { name: 'Sign in' }).click();
      await expect.poll(() => viewer.getByRole('alert').first().textContent()).toMatch(/password is wrong/);
      await snap(viewer, '42-viewer-wrong-password');
      await viewer.getByLabel('Password', { exact: true }).fill(oneTime);
      await viewer.getByRole('button', { name: 'Sign in' }).click();
      await viewer.getByLabel('Current password', { exact: true }).fill(oneTime);
      await viewer.getByLabel('New password', { exact: true }).fill('short');
      await viewer.getByLabel('Confirm new password', { exact: true }).fill('short');
      await viewer.getByRole('button', { name: 'Change password' }).click();
      await expect.poll(() => viewer.getByRole('alert').first().isVisible()).toBe(true);
      await viewer.getByLabel('New password', { exact: true }).fill(NEW_PASSWORD);
      await viewer.getByLabel('Confirm new password', { exact: true }).fill(NEW_PASSWORD);
      await viewer.getByRole('button', { name: 'Change password' }).click();
      await expect.poll(() => viewer.getByRole('link', { name: 'Jobs', exact: true }).isVisible()).toBe(true);
      // No admin pages for a viewer, and the wizard says why it cannot upload.
      expect(await viewer.getByRole('link', { name: 'Users', exact: true }).count()).toBe(0);
      await viewer.goto(`${product.url}/upload`);
      await expect.poll(() => viewer.getByText(/Your role is viewer/).first().isVisible()).toBe(true);
      await snap(viewer, '43-viewer-cannot-upload');
    } finally {
      await viewerContext.close();
    }
  }, 300_000);
});
