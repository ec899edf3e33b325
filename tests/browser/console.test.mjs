// SPDX-License-Identifier: MIT
// The web console (web/console/) in headless Chromium: Debian's
// /usr/bin/chromium driven by playwright-core (which never downloads a
// browser).  Run with `node --test tests/browser/`.
//
// Environment:
//   CONSOLE_URL     where nginx serves the console (another origin than the
//                   API, so CORS is exercised), e.g. http://127.0.0.1:18083/
//   API_URL         the API server, e.g. http://127.0.0.1:18082
//   TOKEN           a token of a fresh user (the test expects no webhooks)
//   SCREENSHOT_DIR  optional: a PNG is saved there after each step
//   CHROMIUM        optional: the browser binary (default /usr/bin/chromium)
//
// Everything is asserted through the page; the API is asked directly only
// to double-check, to learn its exact error messages, and to clean up.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { chromium } from 'playwright-core';

const { CONSOLE_URL, API_URL, TOKEN, SCREENSHOT_DIR } = process.env;
const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';
const MISSING = ['CONSOLE_URL', 'API_URL', 'TOKEN'].filter((k) => !process.env[k]);

const TEMPLATE = 'assignment_evaluation_student_answer_sheet_extraction';
const URL_CREATED = 'https://example.com/webhook/assignment-processing';
const URL_EDITED = 'https://example.com/webhook/assignment-processing-v2';
// .invalid never resolves (RFC 2606): test deliveries fail fast with "dns"
// and nothing leaves the machine.
const URL_DELIVERIES = 'https://console-test.invalid/hook';

// The API's base path, from API_URL as given (with or without it).
const API_BASE = (() => {
  if (!API_URL) return null;
  const u = new URL(API_URL);
  const p = u.pathname.replace(/\/+$/, '');
  return `${u.origin}${p.endsWith('/webhooks/v1') ? p : `${p}/webhooks/v1`}/`;
})();

// ------------------------------------------------------------------ helpers

async function api(method, rel, body) {
  const headers = { Authorization: `Bearer ${TOKEN}` };
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  const resp = await fetch(new URL(rel, API_BASE), {
    method, headers, body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await resp.text();
  return { status: resp.status, body: text ? JSON.parse(text) : null };
}

async function myWebhooks() {
  const r = await api('GET', 'webhook/?page_size=100');
  assert.equal(r.status, 200, `GET webhook/: ${JSON.stringify(r.body)}`);
  return r.body.results;
}

// Polls an async assertion until it passes or `ms` run out.
async function eventually(fn, ms = 10000, what = 'condition') {
  const end = Date.now() + ms;
  let last;
  for (;;) {
    try {
      return await fn();
    } catch (err) {
      last = err;
    }
    if (Date.now() > end) {
      last.message = `${what} not met within ${ms} ms: ${last.message}`;
      throw last;
    }
    await new Promise((r) => setTimeout(r, 100));
  }
}

const text = async (locator) => (await locator.textContent()).trim();

// ------------------------------------------------------------ the browser

let context;
let page;
let userDataDir;
let shotNo = 0;
const pageErrors = [];

async function shot(name) {
  if (!SCREENSHOT_DIR) return;
  const file = path.join(SCREENSHOT_DIR, `${String(++shotNo).padStart(2, '0')}-${name}.png`);
  await page.screenshot({ path: file, fullPage: true });
}

describe('web console', () => {
  before(async () => {
    // Missing settings are a failure, never a skip.
    if (MISSING.length) throw new Error(`set ${MISSING.join(', ')}`);
    if (SCREENSHOT_DIR) await mkdir(SCREENSHOT_DIR, { recursive: true });
    userDataDir = await mkdtemp(path.join(tmpdir(), 'webhookd-console-chromium-'));
    context = await chromium.launchPersistentContext(userDataDir, {
      executablePath: CHROMIUM,
      headless: true,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking',
        '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-quic'],
      viewport: { width: 1280, height: 900 },
      timeout: 60000,
    });
    page = context.pages()[0] || await context.newPage();
    page.setDefaultTimeout(10000);
    page.on('pageerror', (err) => pageErrors.push(`page error: ${err.message}`));
    page.on('console', (msg) => {
      // A failed request (400, 401...) is logged by Chromium as an error;
      // what must not happen is a script error or a CSP violation.
      if (/Content Security Policy|Uncaught|TypeError|ReferenceError/.test(msg.text())) {
        pageErrors.push(`console: ${msg.text()}`);
      }
    });
  });

  after(async () => {
    // Leave the user as it was: delete whatever a failed step left behind.
    if (API_BASE && TOKEN) {
      for (const w of await myWebhooks().catch(() => [])) await api('DELETE', `webhook/${w.id}/`).catch(() => {});
    }
    if (context) await context.close();
    if (userDataDir) await rm(userDataDir, { recursive: true, force: true });
  });

  // The sections of the page, found by their accessible names.
  // (A string is the whole name; headings with a count need a RegExp.)
  const region = (name) => page.getByRole('region', { name, exact: typeof name === 'string' });
  const webhookRow = (url) => page.getByTestId('webhook-row').filter({ has: page.getByText(url, { exact: true }) });

  async function createThroughForm(url, secret) {
    const form = region('New webhook');
    const option = form.locator('option', { hasText: `(${TEMPLATE})` });
    await form.getByLabel('API template').selectOption(await option.getAttribute('value'));
    await form.getByLabel('Endpoint URL').fill(url);
    await form.getByLabel('Signing secret (optional)').fill(secret || '');
    await form.getByRole('button', { name: 'Create webhook' }).click();
  }

  test('connect, create, list, edit, disable and delete a webhook', { timeout: 120000 }, async () => {
    assert.deepEqual(await myWebhooks(), [], 'TOKEN should belong to a fresh user without webhooks');
    const url = new URL(CONSOLE_URL);
    url.searchParams.set('api', API_URL);
    await page.goto(url.href);
    const conn = region('Connection');
    assert.equal(await conn.getByLabel('API base URL').inputValue(), API_BASE, 'API base prefilled from ?api=');
    await shot('opened');

    // Paste the token, connect: the templates are listed.
    await conn.getByLabel('API token').fill(TOKEN);
    await conn.getByRole('button', { name: 'Connect' }).click();
    const templates = region(/^API templates/);
    await templates.getByText(TEMPLATE, { exact: true }).waitFor();
    assert.match(await text(page.getByTestId('connection-state')), /^Connected to /);
    await page.getByText('No webhooks yet.').waitFor();
    await shot('connected');

    // Create a webhook with a secret: it is listed, enabled, with a secret.
    await createThroughForm(URL_CREATED, 'whsec_console-test-secret');
    const row = webhookRow(URL_CREATED);
    await row.waitFor();
    assert.equal(await text(row.getByTestId('webhook-status')), 'enabled');
    assert.equal(await text(row.getByTestId('webhook-secret')), 'set');
    assert.equal(await text(row.getByTestId('webhook-disabled-reason')), '—');
    assert.equal(await text(row.getByTestId('webhook-failures')), '0');
    assert.equal(await text(row.getByTestId('webhook-last-delivery')), 'never');
    assert.match(await row.textContent(), /Assignment Answer Sheet Extraction/);
    assert.equal(await region('New webhook').getByLabel('Signing secret (optional)').inputValue(), '',
      'the secret field is emptied after creating');
    let hooks = await myWebhooks();
    assert.equal(hooks.length, 1);
    assert.equal(hooks[0].endpoint_url, URL_CREATED);
    assert.equal(hooks[0].api_template.name, TEMPLATE);
    assert.equal(hooks[0].has_secret, true);
    await shot('created');

    // Edit its URL (the secret stays as it is).
    await row.getByRole('button', { name: /^Edit/ }).click();
    const edit = page.getByRole('dialog', { name: 'Edit webhook' });
    await edit.waitFor();
    assert.match(await text(edit.getByTestId('edit-secret-state')), /A secret is set/);
    assert.equal(await edit.getByLabel('Endpoint URL').inputValue(), URL_CREATED);
    await edit.getByLabel('Endpoint URL').fill(URL_EDITED);
    await shot('editing');
    await edit.getByRole('button', { name: 'Save' }).click();
    await edit.waitFor({ state: 'hidden' });
    const edited = webhookRow(URL_EDITED);
    await edited.waitFor();
    assert.equal(await webhookRow(URL_CREATED).count(), 0);
    assert.equal(await text(edited.getByTestId('webhook-secret')), 'set');
    hooks = await myWebhooks();
    assert.equal(hooks[0].endpoint_url, URL_EDITED);
    assert.equal(hooks[0].has_secret, true);
    await shot('edited');

    // Disable it: status disabled, reason manual.
    await edited.getByRole('button', { name: /^Disable/ }).click();
    await eventually(async () => {
      assert.equal(await text(edited.getByTestId('webhook-status')), 'disabled');
    }, 10000, 'status disabled');
    assert.equal(await text(edited.getByTestId('webhook-disabled-reason')), 'manual');
    await edited.getByRole('button', { name: /^Enable/ }).waitFor();
    hooks = await myWebhooks();
    assert.equal(hooks[0].status, 'disabled');
    assert.equal(hooks[0].disabled_reason, 'manual');
    await shot('disabled');

    // Delete it (after confirming): gone from the list.
    await edited.getByRole('button', { name: /^Delete/ }).click();
    const confirm = page.getByRole('dialog', { name: 'Delete webhook?' });
    await confirm.waitFor();
    assert.match(await confirm.textContent(), new RegExp(URL_EDITED.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')));
    await shot('confirm-delete');
    await confirm.getByRole('button', { name: 'Delete', exact: true }).click();
    await confirm.waitFor({ state: 'hidden' });
    await eventually(async () => assert.equal(await page.getByTestId('webhook-row').count(), 0), 10000, 'row gone');
    await page.getByText('No webhooks yet.').waitFor();
    assert.deepEqual(await myWebhooks(), []);
    assert.equal(await page.getByTestId('banner').isVisible(), false, 'no error banner on the way');
    await shot('deleted');
  });

  test('invalid URLs: the API\'s message next to the URL field', { timeout: 60000 }, async () => {
    const tpl = (await api('GET', 'templates/?page_size=100')).body.results.find((t) => t.name === TEMPLATE);
    assert.ok(tpl, `template ${TEMPLATE} exists`);
    const form = region('New webhook');
    const urlField = form.getByLabel('Endpoint URL');
    const urlError = form.locator('#create-url-error');

    for (const bad of ['not a url', 'http://127.0.0.1/']) {
      // What the API says about this URL (a bad template makes sure nothing
      // is created; every invalid field is reported at once).
      const probe = await api('POST', 'webhook/', { api_template: 'not-a-uuid', endpoint_url: bad });
      assert.equal(probe.status, 400);
      const expected = probe.body.errors.endpoint_url;
      if (!expected) continue;        // private endpoints allowed on this server

      await createThroughForm(bad, '');
      await eventually(async () => assert.equal(await text(urlError), expected.join(' ')), 10000,
        `error for ${JSON.stringify(bad)}`);
      assert.equal(await urlField.getAttribute('aria-invalid'), 'true');
      const describedBy = (await urlField.getAttribute('aria-describedby')).split(/\s+/);
      assert.ok(describedBy.includes(await urlError.getAttribute('id')), 'the message describes the field');
      assert.equal(await page.getByTestId('banner').isVisible(), false, 'field errors are not in the banner');
      await shot(`invalid-url-${bad === 'not a url' ? 'syntax' : 'loopback'}`);
    }
    assert.deepEqual(await myWebhooks(), [], 'nothing was created');
    await page.getByText('No webhooks yet.').waitFor();
  });

  test('a conflict and a bad token are shown in the banner', { timeout: 60000 }, async () => {
    await createThroughForm(URL_CREATED, '');
    await webhookRow(URL_CREATED).waitFor();
    await createThroughForm(URL_EDITED, '');          // same template again: 409
    const banner = page.getByTestId('banner');
    await banner.waitFor();
    const dup = await api('POST', 'webhook/', {
      api_template: (await myWebhooks())[0].api_template.id, endpoint_url: URL_EDITED,
    });
    assert.equal(dup.status, 409);
    assert.match(await text(banner), new RegExp(`^${dup.body.detail.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`));
    assert.match(await text(banner), /duplicate, HTTP 409/);
    await shot('conflict');
    await banner.getByRole('button', { name: 'Dismiss' }).click();
    await banner.waitFor({ state: 'hidden' });

    // A wrong token: 401 with the API's detail, nothing listed.
    const conn = region('Connection');
    await conn.getByLabel('API token').fill('whk_this-is-not-a-token');
    await conn.getByRole('button', { name: 'Connect' }).click();
    await banner.waitFor();
    assert.match(await text(banner), /authentication_failed, HTTP 401/);
    assert.equal(await conn.getByLabel('API token').getAttribute('aria-invalid'), 'true');
    assert.equal(await page.locator('#workspace').isVisible(), false);
    await shot('bad-token');

    // Back with the right token.
    await conn.getByLabel('API token').fill(TOKEN);
    await conn.getByRole('button', { name: 'Connect' }).click();
    await webhookRow(URL_CREATED).waitFor();
    assert.equal(await banner.isVisible(), false);
  });

  test('delivery log: test event, attempt log, redeliver, load more', { timeout: 120000 }, async () => {
    // Uses the webhook of the previous test; point it at a host that never
    // resolves so that deliveries fail fast without leaving the machine.
    const [w] = await myWebhooks();
    assert.ok(w, 'a webhook from the previous test');
    const moved = await api('PATCH', `webhook/${w.id}/`, { endpoint_url: URL_DELIVERIES });
    assert.equal(moved.status, 200);
    await region(/^Your webhooks/).getByRole('button', { name: 'Refresh' }).click();
    const row = webhookRow(URL_DELIVERIES);
    await row.waitFor();
    await row.getByRole('button', { name: /^Deliveries/ }).click();

    const log = page.getByRole('region', { name: /^Deliveries: / });
    await log.getByText('No deliveries yet.').waitFor();
    await log.getByRole('button', { name: 'Send test event' }).click();
    const deliveries = log.getByTestId('delivery-row');
    await deliveries.first().waitFor();
    assert.equal(await deliveries.count(), 1);
    const first = deliveries.first();
    assert.match(await first.textContent(), /webhook\.test/);
    assert.match(await text(page.getByTestId('notice')), /^Test event queued: delivery /);
    const deliveryId = await first.getAttribute('data-id');
    await shot('test-event');

    // The console follows the delivery until the dispatcher has tried it;
    // a failed test delivery stays pending, retried on the schedule.
    await eventually(async () => {
      assert.equal(await text(first.getByTestId('delivery-attempts')), '1');
    }, 30000, 'the test delivery attempted (is webhook-dispatcher running?)');
    assert.equal(await text(first.getByTestId('delivery-status')), 'pending');

    // Its attempt log.
    await first.getByRole('button', { name: /^Attempts/ }).click();
    const detail = page.getByTestId('delivery-detail');
    await detail.waitFor();
    assert.equal(await text(detail.getByRole('heading', { level: 3 })), `Delivery ${deliveryId}`);
    const attempts = detail.getByTestId('attempt-row');
    assert.equal(await attempts.count(), 1);
    assert.match(await attempts.first().textContent(), /dns/);
    await shot('attempt-log');

    // Redeliver: queued again, then a second attempt in the log.
    await first.getByRole('button', { name: /^Redeliver/ }).click();
    await eventually(async () => assert.match(await text(page.getByTestId('notice')), /queued again/), 10000, 'redeliver notice');
    await eventually(async () => assert.equal(await attempts.count(), 2), 30000, 'a second attempt');
    await shot('redelivered');

    // More than a page: "Load more" follows `next`.
    for (let i = 0; i < 20; i++) {
      const r = await api('POST', `webhook/${w.id}/test/`);
      assert.equal(r.status, 202);
    }
    await log.getByRole('button', { name: 'Refresh' }).click();
    await eventually(async () => assert.equal(await deliveries.count(), 20), 10000, 'first page of 20');
    const more = log.getByRole('button', { name: 'Load more' });
    await more.click();
    await eventually(async () => assert.equal(await deliveries.count(), 21), 10000, 'all 21 deliveries');
    await more.waitFor({ state: 'hidden' });
    assert.equal(await deliveries.last().getAttribute('data-id'), deliveryId, 'oldest last');
    await shot('load-more');
  });

  test('the secret is write-only: set, replace and remove it', { timeout: 60000 }, async () => {
    const [w] = await myWebhooks();
    assert.equal(w.has_secret, false);
    const row = webhookRow(w.endpoint_url);
    const edit = page.getByRole('dialog', { name: 'Edit webhook' });
    const openEdit = async () => {
      await row.getByRole('button', { name: /^Edit/ }).click();
      await edit.waitFor();
      assert.equal(await edit.getByLabel('New secret', { exact: true }).inputValue(), '', 'a secret is never shown');
    };

    // Set: an empty secret is refused by the API, next to the field.
    await openEdit();
    assert.match(await text(edit.getByTestId('edit-secret-state')), /No secret is set/);
    assert.equal(await edit.getByLabel('Remove the secret').isDisabled(), true);
    await edit.getByLabel('Set a secret').check();
    await edit.getByRole('button', { name: 'Save' }).click();
    const blank = await api('PATCH', `webhook/${w.id}/`, { secret_hash: '' });
    assert.equal(blank.status, 400);
    const secretError = edit.locator('#edit-secret-error');
    await eventually(async () => assert.equal(await text(secretError), blank.body.errors.secret_hash.join(' ')),
      10000, 'the blank-secret error');
    assert.equal(await edit.getByLabel('New secret', { exact: true }).getAttribute('aria-invalid'), 'true');
    await shot('secret-error');
    await edit.getByLabel('New secret', { exact: true }).fill('whsec_first-secret');
    await edit.getByRole('button', { name: 'Save' }).click();
    await edit.waitFor({ state: 'hidden' });
    await eventually(async () => assert.equal(await text(row.getByTestId('webhook-secret')), 'set'), 10000, 'secret set');
    assert.equal((await myWebhooks())[0].has_secret, true);

    // Replace it.
    await openEdit();
    assert.match(await text(edit.getByTestId('edit-secret-state')), /A secret is set/);
    await edit.getByLabel('Replace it with a new secret').check();
    await edit.getByLabel('New secret', { exact: true }).fill('whsec_second-secret');
    await edit.getByRole('button', { name: 'Save' }).click();
    await edit.waitFor({ state: 'hidden' });
    assert.equal((await myWebhooks())[0].has_secret, true);

    // Remove it.
    await openEdit();
    await edit.getByLabel('Remove the secret').check();
    await edit.getByRole('button', { name: 'Save' }).click();
    await edit.waitFor({ state: 'hidden' });
    await eventually(async () => assert.equal(await text(row.getByTestId('webhook-secret')), 'none'), 10000, 'secret removed');
    assert.equal((await myWebhooks())[0].has_secret, false);
    await shot('secret-removed');
  });

  test('"keep until this tab closes" uses sessionStorage, and forgetting clears it', { timeout: 60000 }, async () => {
    const conn = region('Connection');
    await conn.getByLabel(/^Keep the token/).check();
    await conn.getByRole('button', { name: 'Connect' }).click();
    // Kept once the token has proved good.
    await eventually(async () => assert.ok((await page.evaluate(() => JSON.stringify(sessionStorage))).includes(TOKEN)),
      10000, 'token in sessionStorage');
    await page.reload();
    await page.getByTestId('webhook-row').first().waitFor();      // connected again by itself
    assert.equal(await conn.getByLabel('API token').inputValue(), TOKEN);
    assert.equal(await page.evaluate(() => localStorage.length), 0);
    await conn.getByRole('button', { name: 'Forget token' }).click();
    assert.equal(await page.evaluate(() => sessionStorage.length), 0);
    assert.equal(await conn.getByLabel('API token').inputValue(), '');
    assert.equal(await page.locator('#workspace').isVisible(), false);
    await shot('forgotten');
  });

  test('the token is never written to localStorage or cookies', async () => {
    const stored = await page.evaluate(() => ({
      local: localStorage.length, session: JSON.stringify(sessionStorage), cookie: document.cookie,
    }));
    assert.equal(stored.local, 0, 'localStorage is empty');
    assert.equal(stored.cookie, '', 'no cookies');
    assert.equal(stored.session, '{}', 'sessionStorage emptied by "Forget token"');
    const cookies = await context.cookies();
    assert.deepEqual(cookies, []);
    assert.deepEqual(pageErrors, [], 'no script errors or CSP violations');
  });
});
