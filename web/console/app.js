// SPDX-License-Identifier: MIT
// webhookd web console.  Plain JavaScript, no framework, no build step.
//
// Rules this file keeps:
//  - Every string that comes from the API is put on the page with
//    textContent (or as an attribute value), never parsed as HTML.
//  - The token is kept in memory; only when the user ticks "keep" does it go
//    to sessionStorage (gone when the tab closes).  Never localStorage or
//    cookies.  Requests carry it in Authorization, never in a URL.
//  - Requests only ever go to the API base the user gave: `next` links are
//    read for their query string, which is then applied to the known path.
'use strict';

(() => {
  const API_PATH = '/webhooks/v1/';
  const PAGE_SIZE = 20;          // webhooks per page
  const DELIVERY_LIMIT = 20;     // deliveries per "load more"
  const POLL_MS = 1000;          // watching a pending delivery
  const POLL_TRIES = 20;
  const SESSION_KEY = 'webhookd-console';

  const $ = (id) => document.getElementById(id);

  const state = {
    base: null,             // "https://host/webhooks/v1/"
    token: null,
    templates: [],
    page: 1,
    pageRows: 0,
    pageCount: 1,
    webhooks: new Map(),    // id -> webhook on the current page
    current: null,          // webhook whose deliveries are shown
    deliveriesNext: null,   // query string of the next deliveries page
    detailId: null,         // delivery shown in the detail panel
    editing: null,
    deleting: null,
    polls: new Map(),       // delivery id -> timer
  };

  // ---------------------------------------------------------------- DOM

  // el('td', {text: 'x', class: 'y', data: {testid: 'z'}, attrs: {...}}, children)
  function el(tag, opts = {}, children = []) {
    const node = document.createElement(tag);
    if (opts.class) node.className = opts.class;
    if (opts.text !== undefined && opts.text !== null) node.textContent = String(opts.text);
    for (const [k, v] of Object.entries(opts.data || {})) node.dataset[k] = v;
    for (const [k, v] of Object.entries(opts.attrs || {})) node.setAttribute(k, v);
    for (const c of children) if (c) node.append(c);
    return node;
  }

  function button(label, onClick, opts = {}) {
    const b = el('button', { text: label, class: opts.class, data: opts.data, attrs: { type: 'button', ...(opts.attrs || {}) } });
    b.addEventListener('click', () => busy(b, onClick));
    return b;
  }

  // Runs fn with the button disabled, so a slow request is not sent twice.
  async function busy(btn, fn) {
    if (btn.disabled) return;
    btn.disabled = true;
    btn.setAttribute('aria-busy', 'true');
    try {
      await fn();
    } catch (err) {
      showError(err);
    } finally {
      btn.disabled = false;
      btn.removeAttribute('aria-busy');
    }
  }

  function fmtTime(s) {
    if (!s) return el('span', { text: '—', class: 'muted' });
    const t = el('time', { text: String(s).replace('T', ' ').replace(/\.\d+Z$/, 'Z').replace(/Z$/, ' UTC'), attrs: { datetime: s, title: s } });
    return t;
  }

  function dash(v) {
    return v === null || v === undefined || v === '' ? '—' : String(v);
  }

  function badge(value) {
    return el('span', { text: value, class: `badge badge-${String(value).replace(/[^a-z_]/g, '')}` });
  }

  // ------------------------------------------------------------ messages

  function banner(message) {
    $('notice').textContent = '';
    $('banner-text').textContent = message;
    $('banner').hidden = false;
  }

  function clearBanner() {
    $('banner').hidden = true;
    $('banner-text').textContent = '';
  }

  let noticeTimer = null;
  function notice(message) {
    $('notice').textContent = message;
    clearTimeout(noticeTimer);
    noticeTimer = setTimeout(() => { $('notice').textContent = ''; }, 8000);
  }

  class ApiError extends Error {
    constructor(status, body, requestId) {
      const b = body && typeof body === 'object' && !Array.isArray(body) ? body : {};
      super(typeof b.detail === 'string' ? b.detail : `The API answered HTTP ${status}.`);
      this.status = status;
      this.code = typeof b.code === 'string' ? b.code : null;
      this.errors = b.errors && typeof b.errors === 'object' ? b.errors : null;
      this.requestId = requestId || null;
    }

    // "Invalid token. (authentication_failed, HTTP 401, request 3f…)"
    describe(text = this.message) {
      const bits = [];
      if (this.code) bits.push(this.code);
      if (this.status) bits.push(`HTTP ${this.status}`);
      if (this.requestId) bits.push(`request ${this.requestId}`);
      return bits.length ? `${text} (${bits.join(', ')})` : text;
    }
  }

  function clearErrors(form) {
    for (const p of form.querySelectorAll('[data-error-for]')) p.textContent = '';
    for (const i of form.querySelectorAll('[aria-invalid]')) i.removeAttribute('aria-invalid');
  }

  // Puts an error where it belongs: each entry of `errors` next to its
  // field in `form`, the rest (and `detail`) in the form's own error line
  // (dialogs) or else in the page banner.
  function showError(err, form = null) {
    if (!(err instanceof ApiError)) {
      console.error(err);
      err = new ApiError(0, { detail: `Unexpected error in the console: ${err && err.message}` });
    }
    const leftover = [];
    let firstInput = null;
    if (err.errors) {
      for (const [field, msgs] of Object.entries(err.errors)) {
        const text = (Array.isArray(msgs) ? msgs : [msgs]).map(String).join(' ');
        const slot = form && form.querySelector(`[data-error-for="${CSS.escape(field)}"]`);
        if (!slot) {
          leftover.push(`${field}: ${text}`);
          continue;
        }
        slot.textContent = text;
        const input = form.querySelector(`:is(input, select, textarea)[aria-describedby~="${CSS.escape(slot.id)}"]`);
        if (input) {
          input.setAttribute('aria-invalid', 'true');
          firstInput = firstInput || input;
        }
      }
    }
    if (firstInput) firstInput.focus();
    if (err.errors && !leftover.length && firstInput) return;   // all shown by their fields
    const text = err.describe([err.message, ...leftover].join(' '));
    const formSlot = form && form.querySelector('[data-error-for="*"]');
    if (formSlot) formSlot.textContent = text;
    else banner(text);
  }

  // ----------------------------------------------------------------- API

  // "http://h:8080" or "http://h:8080/webhooks/v1" -> "http://h:8080/webhooks/v1/"
  function normalizeBase(input) {
    let u;
    try {
      u = new URL(String(input).trim());
    } catch {
      return null;
    }
    if (u.protocol !== 'http:' && u.protocol !== 'https:') return null;
    if (u.username || u.password) return null;
    let path = u.pathname.replace(/\/+$/, '');
    if (!path.endsWith(API_PATH.replace(/\/$/, ''))) path += API_PATH.replace(/\/$/, '');
    return `${u.origin}${path}/`;
  }

  // The query string of a `next` link (null when there is no next page).
  function queryOf(link) {
    if (!link) return null;
    try {
      return new URL(link, state.base).search;
    } catch {
      return null;
    }
  }

  async function api(method, path, { body, query } = {}) {
    const url = new URL(path, state.base);
    if (typeof query === 'string') url.search = query;
    else for (const [k, v] of Object.entries(query || {})) url.searchParams.set(k, String(v));
    const headers = { Authorization: `Bearer ${state.token}`, Accept: 'application/json' };
    const init = { method, headers, cache: 'no-store', credentials: 'omit', redirect: 'error', referrerPolicy: 'no-referrer' };
    if (body !== undefined) {
      headers['Content-Type'] = 'application/json';
      init.body = JSON.stringify(body);
    }
    let resp;
    try {
      resp = await fetch(url, init);
    } catch {
      throw new ApiError(0, {
        detail: `Could not reach the API at ${url.origin}: it is down, the address is wrong, ` +
          `or it does not allow this page's origin (${location.origin}) in cors_origins.`,
        code: 'network_error',
      });
    }
    const requestId = resp.headers.get('X-Request-Id');
    const text = resp.status === 204 ? '' : await resp.text();
    let data = null;
    if (text) {
      try {
        data = JSON.parse(text);
      } catch {
        data = null;
      }
    }
    if (!resp.ok) throw new ApiError(resp.status, data, requestId);
    if (resp.status !== 204 && (data === null || typeof data !== 'object')) {
      throw new ApiError(resp.status, { detail: 'The API answered with something that is not a JSON object.', code: 'bad_response' }, requestId);
    }
    return data;
  }

  const webhookPath = (id) => `webhook/${encodeURIComponent(id)}/`;
  const deliveryPath = (wid, did) => `${webhookPath(wid)}deliveries/${encodeURIComponent(did)}/`;

  // ----------------------------------------------------------- connection

  function saved() {
    try {
      const v = JSON.parse(sessionStorage.getItem(SESSION_KEY) || 'null');
      return v && typeof v.base === 'string' && typeof v.token === 'string' ? v : null;
    } catch {
      return null;
    }
  }

  async function connect(ev) {
    if (ev) ev.preventDefault();
    const form = $('connect-form');
    clearErrors(form);
    clearBanner();
    const base = normalizeBase($('api-base').value);
    const token = $('token').value.trim();
    let bad = false;
    if (!base) {
      fieldError(form, 'api-base', 'Enter an http or https URL, for example https://api.example.com/.');
      bad = true;
    }
    if (!token) {
      fieldError(form, 'token', 'Paste an API token.');
      bad = true;
    }
    if (bad) return;
    stopPolls();
    state.base = base;
    state.token = token;
    $('api-base').value = base;
    const btn = $('connect-button');
    btn.disabled = true;
    try {
      await loadTemplates();
    } catch (err) {
      state.token = null;
      remember(null);
      $('workspace').hidden = true;
      $('whoami').textContent = 'Not connected';
      if (err instanceof ApiError && (err.status === 401 || err.status === 403)) {
        $('token').setAttribute('aria-invalid', 'true');
      }
      showError(err, null);
      return;
    } finally {
      btn.disabled = false;
    }
    remember($('remember').checked ? { base, token } : null);
    $('whoami').textContent = `Connected to ${base}`;
    $('workspace').hidden = false;
    $('disconnect-button').hidden = false;
    closeDeliveries();
    await loadWebhooks(1).catch((err) => showError(err));
  }

  // Keeps {base, token} for this tab only (sessionStorage), or forgets it.
  function remember(value) {
    try {
      if (value) sessionStorage.setItem(SESSION_KEY, JSON.stringify(value));
      else sessionStorage.removeItem(SESSION_KEY);
    } catch {
      // storage disabled: memory only, which is fine
    }
  }

  function fieldError(form, field, message) {
    const slot = form.querySelector(`[data-error-for="${field}"]`);
    slot.textContent = message;
    const input = form.querySelector(`[aria-describedby~="${slot.id}"]`);
    if (input) {
      input.setAttribute('aria-invalid', 'true');
      input.focus();
    }
  }

  function disconnect() {
    stopPolls();
    state.token = null;
    remember(null);
    $('token').value = '';
    $('remember').checked = false;
    $('workspace').hidden = true;
    $('disconnect-button').hidden = true;
    $('whoami').textContent = 'Not connected';
    $('templates-body').replaceChildren();
    $('webhooks-body').replaceChildren();
    closeDeliveries();
    clearBanner();
    notice('Token forgotten.');
  }

  // ------------------------------------------------------------ templates

  async function loadTemplates() {
    const all = [];
    let query = { page_size: 100 };
    for (let i = 0; i < 100 && query; i++) {     // 100 pages of 100 is plenty
      const page = await api('GET', 'templates/', { query });
      all.push(...(Array.isArray(page.results) ? page.results : []));
      query = queryOf(page.next);
    }
    state.templates = all;
    const body = $('templates-body');
    body.replaceChildren(...all.map((t) => el('tr', { data: { testid: 'template-row', id: t.id } }, [
      el('td', {}, [el('code', { text: t.name })]),
      el('td', { text: dash(t.display_name) }),
      el('td', { text: dash(t.description) }),
    ])));
    $('templates-count').textContent = `(${all.length})`;

    const select = $('create-template');
    const previous = select.value;
    select.replaceChildren(
      el('option', { text: 'Choose a template…', attrs: { value: '' } }),
      ...all.map((t) => el('option', { text: `${t.display_name || t.name} (${t.name})`, attrs: { value: t.id }, data: { name: t.name } })),
    );
    if (all.some((t) => t.id === previous)) select.value = previous;
  }

  // ------------------------------------------------------------- webhooks

  async function loadWebhooks(page = state.page) {
    let list;
    try {
      list = await api('GET', 'webhook/', { query: { page, page_size: PAGE_SIZE } });
    } catch (err) {
      // The page went away (a delete emptied the last one): go to the first.
      if (err instanceof ApiError && err.code === 'invalid_page' && page > 1) return loadWebhooks(1);
      throw err;
    }
    const rows = Array.isArray(list.results) ? list.results : [];
    const count = Number.isInteger(list.count) ? list.count : rows.length;
    state.page = page;
    state.pageRows = rows.length;
    state.pageCount = Math.max(1, Math.ceil(count / PAGE_SIZE));
    state.webhooks = new Map(rows.map((w) => [w.id, w]));
    $('webhooks-body').replaceChildren(...rows.map(webhookRow));
    $('webhooks-empty').hidden = rows.length > 0;
    $('webhooks-count').textContent = `(${count})`;
    $('webhooks-page').textContent = `Page ${page} of ${state.pageCount}`;
    $('webhooks-prev').disabled = !list.previous;
    $('webhooks-next').disabled = !list.next;
    if (state.current && state.webhooks.has(state.current.id)) {
      state.current = state.webhooks.get(state.current.id);
      describeCurrent();
    }
  }

  function templateLabel(w) {
    const t = w.api_template || {};
    return t.display_name || t.name || 'unknown template';
  }

  function lastDelivery(d) {
    if (!d) return el('span', { text: 'never', class: 'muted' });
    return el('span', {}, [
      badge(d.status),
      ` ${d.response_code === null || d.response_code === undefined ? 'no response' : `HTTP ${d.response_code}`}, `,
      fmtTime(d.at),
    ]);
  }

  function webhookRow(w) {
    const name = templateLabel(w);
    const enabled = w.status === 'enabled';
    return el('tr', { data: { testid: 'webhook-row', id: w.id } }, [
      el('td', { class: 'template' }, [el('span', { text: name }), el('br'),
        el('code', { text: (w.api_template || {}).name, class: 'muted small template-name' })]),
      el('td', { class: 'url', data: { testid: 'webhook-url' } }, [el('code', { text: w.endpoint_url })]),
      el('td', { data: { testid: 'webhook-status' } }, [badge(w.status)]),
      el('td', { text: dash(w.disabled_reason), data: { testid: 'webhook-disabled-reason' } }),
      el('td', { text: dash(w.consecutive_failures), class: 'num', data: { testid: 'webhook-failures' } }),
      el('td', { data: { testid: 'webhook-last-delivery' } }, [lastDelivery(w.last_delivery)]),
      el('td', { text: w.has_secret ? 'set' : 'none', data: { testid: 'webhook-secret' } }),
      el('td', { class: 'row-actions' }, [
        button('Edit', () => openEdit(w), { attrs: { 'aria-label': `Edit webhook for ${name}` } }),
        button(enabled ? 'Disable' : 'Enable', () => setStatus(w, enabled ? 'disabled' : 'enabled'),
          { attrs: { 'aria-label': `${enabled ? 'Disable' : 'Enable'} webhook for ${name}` } }),
        button('Deliveries', () => openDeliveries(w), { attrs: { 'aria-label': `Deliveries of webhook for ${name}` } }),
        button('Delete', () => openDelete(w), { class: 'danger', attrs: { 'aria-label': `Delete webhook for ${name}` } }),
      ]),
    ]);
  }

  async function createWebhook(ev) {
    ev.preventDefault();
    const form = $('create-form');
    clearErrors(form);
    clearBanner();
    const body = {
      api_template: $('create-template').value,
      endpoint_url: $('create-url').value.trim(),
      status: $('create-enabled').checked ? 'enabled' : 'disabled',
    };
    const secret = $('create-secret').value;
    if (secret !== '') body.secret_hash = secret;
    const btn = form.querySelector('button[type="submit"]');
    btn.disabled = true;
    try {
      const w = await api('POST', 'webhook/', { body });
      $('create-url').value = '';
      $('create-secret').value = '';
      $('create-enabled').checked = true;
      $('create-template').value = '';
      notice(`Webhook created for ${templateLabel(w)}.`);
      await loadWebhooks(1);
    } catch (err) {
      showError(err, form);
    } finally {
      btn.disabled = false;
    }
  }

  async function setStatus(w, status) {
    clearBanner();
    const updated = await api('PATCH', webhookPath(w.id), { body: { status } });
    notice(`Webhook for ${templateLabel(updated)} ${updated.status}.`);
    await loadWebhooks();
  }

  // ---------------------------------------------------------------- edit

  function openEdit(w) {
    const form = $('edit-form');
    clearErrors(form);
    state.editing = w;
    $('edit-template').textContent = `${templateLabel(w)} (${(w.api_template || {}).name})`;
    $('edit-url').value = w.endpoint_url;
    $('edit-secret-state').textContent = w.has_secret ? 'A secret is set. It is never shown.' : 'No secret is set: deliveries are not signed.';
    $('edit-secret-set-label').textContent = w.has_secret ? 'Replace it with a new secret' : 'Set a secret';
    $('edit-secret-keep').checked = true;
    $('edit-secret-remove').disabled = !w.has_secret;
    $('edit-secret').value = '';
    $('edit-secret').disabled = true;
    $('edit-dialog').showModal();
    $('edit-url').focus();
  }

  function secretActionChanged() {
    const setting = $('edit-secret-set').checked;
    $('edit-secret').disabled = !setting;
    if (setting) $('edit-secret').focus();
    else $('edit-secret').value = '';
  }

  async function saveEdit(ev) {
    ev.preventDefault();
    const form = $('edit-form');
    const w = state.editing;
    if (!w) return;
    clearErrors(form);
    const body = {};
    const url = $('edit-url').value.trim();
    if (url !== w.endpoint_url) body.endpoint_url = url;
    const action = form.querySelector('input[name="secret_action"]:checked').value;
    if (action === 'set') body.secret_hash = $('edit-secret').value;
    if (action === 'remove') body.secret_hash = null;
    if (!Object.keys(body).length) {
      $('edit-dialog').close();
      notice('Nothing changed.');
      return;
    }
    const btn = form.querySelector('button[type="submit"]');
    btn.disabled = true;
    try {
      const updated = await api('PATCH', webhookPath(w.id), { body });
      state.editing = null;
      $('edit-dialog').close();
      notice(`Webhook for ${templateLabel(updated)} saved.`);
      await loadWebhooks();
    } catch (err) {
      showError(err, form);
    } finally {
      btn.disabled = false;
    }
  }

  // --------------------------------------------------------------- delete

  function openDelete(w) {
    state.deleting = w;
    clearErrors($('delete-form'));
    $('delete-text').textContent = `The webhook for ${templateLabel(w)} at ${w.endpoint_url} will be deleted, ` +
      'and its pending deliveries cancelled. This cannot be undone.';
    $('delete-dialog').showModal();
  }

  async function confirmDelete(ev) {
    ev.preventDefault();
    const w = state.deleting;
    if (!w) return;
    const form = $('delete-form');
    const btn = form.querySelector('button[type="submit"]');
    btn.disabled = true;
    try {
      await api('DELETE', webhookPath(w.id));
      state.deleting = null;
      $('delete-dialog').close();
      if (state.current && state.current.id === w.id) closeDeliveries();
      notice(`Webhook for ${templateLabel(w)} deleted.`);
      const page = state.pageRows <= 1 && state.page > 1 ? state.page - 1 : state.page;
      await loadWebhooks(page);
    } catch (err) {
      showError(err, form);
    } finally {
      btn.disabled = false;
    }
  }

  // ----------------------------------------------------------- deliveries

  function describeCurrent() {
    const w = state.current;
    $('deliveries-title').textContent = `Deliveries: ${templateLabel(w)}`;
    $('deliveries-webhook').textContent = `${w.endpoint_url} (${w.status})`;
  }

  async function openDeliveries(w) {
    stopPolls();
    state.current = w;
    state.detailId = null;
    $('delivery').hidden = true;
    describeCurrent();
    $('deliveries').hidden = false;
    $('deliveries-body').replaceChildren();
    await loadDeliveries(false);
    $('deliveries').scrollIntoView({ block: 'start' });
  }

  function closeDeliveries() {
    stopPolls();
    state.current = null;
    state.deliveriesNext = null;
    state.detailId = null;
    $('deliveries').hidden = true;
    $('delivery').hidden = true;
    $('deliveries-body').replaceChildren();
  }

  async function loadDeliveries(more) {
    const w = state.current;
    if (!w) return;
    const query = more && state.deliveriesNext ? state.deliveriesNext : { limit: DELIVERY_LIMIT };
    const page = await api('GET', `${webhookPath(w.id)}deliveries/`, { query });
    if (state.current !== w) return;           // another webhook was opened meanwhile
    const rows = (Array.isArray(page.results) ? page.results : []).map(deliveryRow);
    if (more) $('deliveries-body').append(...rows);
    else $('deliveries-body').replaceChildren(...rows);
    state.deliveriesNext = queryOf(page.next);
    $('deliveries-more').hidden = !state.deliveriesNext;
    $('deliveries-empty').hidden = $('deliveries-body').children.length > 0;
  }

  function deliveryRow(d) {
    const shown = state.detailId === d.id;
    return el('tr', { class: shown ? 'selected' : '', data: { testid: 'delivery-row', id: d.id }, attrs: shown ? { 'aria-current': 'true' } : {} }, [
      el('td', {}, [fmtTime(d.created_at)]),
      el('td', {}, [el('code', { text: d.event_type })]),
      el('td', { data: { testid: 'delivery-status' } }, [badge(d.status)]),
      el('td', { text: dash(d.attempts), class: 'num', data: { testid: 'delivery-attempts' } }),
      el('td', { text: dash(d.response_code), class: 'num' }),
      el('td', { text: dash(d.error), class: 'error-text' }),
      el('td', { text: d.duration_ms === null || d.duration_ms === undefined ? '—' : `${d.duration_ms} ms`, class: 'num' }),
      el('td', { class: 'row-actions' }, [
        button('Attempts', () => showDelivery(d.id), { attrs: { 'aria-label': `Attempts of delivery ${d.id}` } }),
        button('Redeliver', () => redeliver(d.id), { attrs: { 'aria-label': `Redeliver delivery ${d.id}` } }),
      ]),
    ]);
  }

  // Puts d in the log: replaces its row, or adds it on top.
  function upsertDelivery(d) {
    const body = $('deliveries-body');
    const row = deliveryRow(d);
    const old = [...body.children].find((tr) => tr.dataset.id === d.id);
    if (old) old.replaceWith(row);
    else body.prepend(row);
    $('deliveries-empty').hidden = true;
    if (state.detailId === d.id && d.attempt_log) renderDetail(d);
  }

  async function showDelivery(id) {
    const w = state.current;
    const d = await api('GET', deliveryPath(w.id, id));
    if (state.current !== w) return;
    state.detailId = d.id;
    for (const tr of $('deliveries-body').querySelectorAll('tr.selected')) {
      tr.classList.remove('selected');
      tr.removeAttribute('aria-current');
    }
    upsertDelivery(d);
    renderDetail(d);
    $('delivery').hidden = false;
    $('delivery').scrollIntoView({ block: 'nearest' });
  }

  function renderDetail(d) {
    $('delivery-title').textContent = `Delivery ${d.id}`;
    const pairs = [
      ['Event', d.event_id], ['Event type', d.event_type], ['Status', d.status],
      ['Attempts', d.attempts], ['Response code', d.response_code], ['Error', d.error],
      ['Duration', d.duration_ms === null || d.duration_ms === undefined ? null : `${d.duration_ms} ms`],
    ];
    const times = [['Created', d.created_at], ['Last attempt', d.last_attempt_at], ['Next attempt', d.next_attempt_at]];
    $('delivery-summary').replaceChildren(
      ...pairs.flatMap(([k, v]) => [el('dt', { text: k }), el('dd', { text: dash(v) })]),
      ...times.flatMap(([k, v]) => [el('dt', { text: k }), el('dd', {}, [fmtTime(v)])]),
    );
    const log = Array.isArray(d.attempt_log) ? d.attempt_log : [];
    $('attempts-body').replaceChildren(...log.map((a) => {
      const t = a.timings || {};
      const ms = (v) => (v === null || v === undefined ? '–' : `${v}`);
      return el('tr', { data: { testid: 'attempt-row' } }, [
        el('td', {}, [fmtTime(a.at)]),
        el('td', { text: dash(a.response_code), class: 'num' }),
        el('td', { text: dash(a.error_class) }),
        el('td', { text: dash(a.error), class: 'error-text' }),
        el('td', { text: a.duration_ms === null || a.duration_ms === undefined ? '—' : `${a.duration_ms} ms`, class: 'num' }),
        el('td', { text: `${ms(t.dns_ms)} / ${ms(t.connect_ms)} / ${ms(t.tls_ms)} / ${ms(t.first_byte_ms)} ms` }),
        el('td', {}, [a.response_excerpt ? el('pre', { text: a.response_excerpt }) : el('span', { text: '—', class: 'muted' })]),
      ]);
    }));
    $('attempts-empty').hidden = log.length > 0;
  }

  async function sendTest() {
    const w = state.current;
    if (!w) return;
    clearBanner();
    const d = await api('POST', `${webhookPath(w.id)}test/`);
    if (state.current !== w) return;
    upsertDelivery(d);
    notice(`Test event queued: delivery ${d.id} is ${d.status}.`);
    watch(w, d);
  }

  async function redeliver(id) {
    const w = state.current;
    clearBanner();
    const d = await api('POST', `${deliveryPath(w.id, id)}redeliver/`);
    if (state.current !== w) return;
    upsertDelivery(d);
    notice(`Delivery ${d.id} queued again.`);
    watch(w, d);
  }

  // Re-reads a pending delivery every second for a while, so the outcome of
  // a test event or a redelivery shows up without a manual refresh: until
  // it is finished or has one more attempt (a failed one is retried later,
  // on the retry schedule).
  function watch(w, d) {
    clearTimeout(state.polls.get(d.id));
    let tries = 0;
    const before = d.attempts;
    const tick = async () => {
      state.polls.delete(d.id);
      if (state.current !== w || tries++ >= POLL_TRIES) return;
      try {
        const fresh = await api('GET', deliveryPath(w.id, d.id));
        if (state.current !== w) return;
        upsertDelivery(fresh);
        if (fresh.status !== 'pending' || fresh.attempts > before) return;
      } catch {
        return;                                 // a refresh failing is not worth a banner
      }
      state.polls.set(d.id, setTimeout(tick, POLL_MS));
    };
    if (d.status === 'pending') state.polls.set(d.id, setTimeout(tick, POLL_MS));
  }

  function stopPolls() {
    for (const t of state.polls.values()) clearTimeout(t);
    state.polls.clear();
  }

  // ---------------------------------------------------------------- start

  function init() {
    const params = new URLSearchParams(location.search);
    const fromQuery = params.get('api');
    const stored = saved();
    let base = normalizeBase(fromQuery || location.origin) || '';
    if (stored && (!fromQuery || normalizeBase(fromQuery) === stored.base)) base = stored.base;
    $('api-base').value = base;

    $('connect-form').addEventListener('submit', connect);
    $('disconnect-button').addEventListener('click', disconnect);
    $('banner-close').addEventListener('click', clearBanner);
    $('create-form').addEventListener('submit', createWebhook);
    $('edit-form').addEventListener('submit', saveEdit);
    $('edit-cancel').addEventListener('click', () => $('edit-dialog').close());
    $('edit-dialog').addEventListener('close', () => { state.editing = null; });
    for (const r of document.querySelectorAll('input[name="secret_action"]')) r.addEventListener('change', secretActionChanged);
    $('delete-form').addEventListener('submit', confirmDelete);
    $('delete-cancel').addEventListener('click', () => $('delete-dialog').close());
    $('delete-dialog').addEventListener('close', () => { state.deleting = null; });
    const wrap = (id, fn) => { const b = $(id); b.addEventListener('click', () => busy(b, fn)); };
    wrap('webhooks-prev', () => loadWebhooks(state.page - 1));
    wrap('webhooks-next', () => loadWebhooks(state.page + 1));
    wrap('webhooks-refresh', () => loadWebhooks());
    wrap('send-test', sendTest);
    wrap('deliveries-refresh', () => loadDeliveries(false));
    wrap('deliveries-more', () => loadDeliveries(true));
    $('deliveries-close').addEventListener('click', closeDeliveries);

    if (stored && base === stored.base) {
      $('token').value = stored.token;
      $('remember').checked = true;
      connect();
    }
  }

  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', init);
  else init();
})();
