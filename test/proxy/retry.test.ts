import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { NOTHING_TRIED, rememberAnswer, retryAfter, type ProxyContext, type UpstreamFailure } from '../../src/proxy/context.js';
import type { RouteRecord } from '../../src/state/routes.js';

const route: RouteRecord = {
  name: 'web', port: 4100, host: '127.0.0.1', kind: 'alias', owner: null, app: null, command: null, cwd: null, project: null, logPath: null, createdAt: 0, updatedAt: 0,
};

/** A context whose route table answers `refresh` with `now` (the policy is pure apart from that). */
function contextWith(now: RouteRecord | null): ProxyContext {
  return { cache: { refresh: () => now } as unknown as ProxyContext['cache'], port: () => 1355, preferred: new Map() };
}

const failure = (patch: Partial<UpstreamFailure>): UpstreamFailure => ({ route, host: '127.0.0.1', code: 'ECONNREFUSED', unsent: true, resendable: false, tried: NOTHING_TRIED, ...patch });

describe('the proxy retry policy', () => {
  it('a refused connect: the other loopback first, then the route as the store has it now', () => {
    const moved = { ...route, port: 4200 };
    const context = contextWith(moved);
    const first = retryAfter(context, failure({}));
    assert.deepEqual(first, { kind: 'again', route, host: '::1', tried: { family: true, route: false, reset: false } });
    assert.ok(first.kind === 'again');
    const second = retryAfter(context, failure({ host: '::1', tried: first.tried }));
    assert.deepEqual(second, { kind: 'again', route: moved, host: '127.0.0.1', tried: { family: false, route: true, reset: false } });
    assert.ok(second.kind === 'again');
    assert.deepEqual(retryAfter(context, failure({ route: moved, tried: { ...second.tried, family: true } })), { kind: 'give-up' });
  });

  it('a route gone from the store is a 404; an unchanged one gives up', () => {
    const tried = { family: true, route: false, reset: false };
    assert.deepEqual(retryAfter(contextWith(null), failure({ tried })), { kind: 'gone' });
    assert.deepEqual(retryAfter(contextWith(route), failure({ tried })), { kind: 'give-up' });
  });

  it('nothing is sent twice: a refusal after the request went out, or a reset of a request with a body, gives up', () => {
    assert.deepEqual(retryAfter(contextWith(route), failure({ unsent: false })), { kind: 'give-up' });
    assert.deepEqual(retryAfter(contextWith(route), failure({ code: 'ECONNRESET', unsent: false, resendable: false })), { kind: 'give-up' });
    const reset = retryAfter(contextWith(route), failure({ code: 'ECONNRESET', unsent: false, resendable: true }));
    assert.deepEqual(reset, { kind: 'again', route, host: '127.0.0.1', tried: { family: false, route: false, reset: true } });
    assert.ok(reset.kind === 'again');
    assert.deepEqual(retryAfter(contextWith(route), failure({ code: 'EPIPE', unsent: false, resendable: true, tried: reset.tried })), { kind: 'give-up' });
  });

  it('remembers the loopback that answered, and forgets it when the recorded one answers again', () => {
    const context = contextWith(route);
    rememberAnswer(context, route, '::1');
    assert.equal(context.preferred.get('127.0.0.1|4100'), '::1');
    rememberAnswer(context, route, '127.0.0.1');
    assert.equal(context.preferred.size, 0);
  });
});
