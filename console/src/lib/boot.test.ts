// The main bundle's side of the boot script: each answer taken once, only for the very request
// (method, URL, token) it answers, and only soon after the page loaded.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { request } from './api';
import { BOOT_ANSWER_MAX_AGE_MS, markMainStarted, takeBooted, type BootAnswer } from './boot';

function booted(entries: Record<string, BootAnswer | undefined>, at = performance.now()) {
  window.payflowBoot = {
    at,
    answers: new Map(Object.entries(entries).map(([k, v]) => [k, Promise.resolve(v)])),
  };
}

const json = (body: unknown) => new Response(JSON.stringify(body), { status: 200 });

afterEach(() => {
  delete window.payflowBoot;
  vi.unstubAllGlobals();
});

describe('takeBooted', () => {
  it('answers the request the boot script sent, once', async () => {
    const response = json({ n: 1 });
    booted({ 'GET /api/v1/health': { response, token: 't1' } });
    expect(await takeBooted('GET', '/api/v1/health', 't1')).toBe(response);
    expect(await takeBooted('GET', '/api/v1/health', 't1')).toBeUndefined();
  });

  it('answers nothing for another method, URL or token, or a request that failed', async () => {
    booted({
      'GET /api/v1/health': { response: json({}), token: 't1' },
      'GET /api/v1/queue/stats': undefined,
    });
    expect(await takeBooted('POST', '/api/v1/health', 't1')).toBeUndefined();
    expect(await takeBooted('GET', '/api/v1/health?x=1', 't1')).toBeUndefined();
    expect(await takeBooted('GET', '/api/v1/health', 't2')).toBeUndefined();
    expect(await takeBooted('GET', '/api/v1/queue/stats', 't1')).toBeUndefined();
  });

  it('answers nothing once the answers are too old, and drops them', async () => {
    booted(
      { 'GET /api/v1/health': { response: json({}), token: 't1' } },
      performance.now() - BOOT_ANSWER_MAX_AGE_MS - 1,
    );
    expect(await takeBooted('GET', '/api/v1/health', 't1')).toBeUndefined();
    expect(window.payflowBoot).toBeNull();
  });

  it('answers nothing without a boot script, and markMainStarted keeps a late one from running', async () => {
    expect(await takeBooted('GET', '/api/v1/health', undefined)).toBeUndefined();
    markMainStarted();
    expect(window.payflowBoot).toBeNull();
    booted({});
    const state = window.payflowBoot;
    markMainStarted();
    expect(window.payflowBoot).toBe(state);
  });
});

describe('the API client', () => {
  it("takes the boot script's answer instead of sending the request again", async () => {
    const fetchMock = vi.fn(() => Promise.resolve(json({ from: 'network' })));
    vi.stubGlobal('fetch', fetchMock);
    booted({ 'POST /api/v1/auth/refresh': { response: json({ from: 'boot' }) } });
    expect(await request('/api/v1/auth/refresh', { method: 'POST', body: {}, auth: false })).toEqual({
      from: 'boot',
    });
    expect(fetchMock).not.toHaveBeenCalled();
    // The next one goes to the network.
    expect(await request('/api/v1/auth/refresh', { method: 'POST', body: {}, auth: false })).toEqual({
      from: 'network',
    });
    expect(fetchMock).toHaveBeenCalledTimes(1);
  });
});
