import assert from 'node:assert/strict';
import { once } from 'node:events';
import { describe, it } from 'node:test';
import { isBerthError } from '../../src/errors.js';
import {
  addAlias,
  currentProcess,
  findLiveRoute,
  listLiveRoutes,
  registerRoute,
  removeAlias,
  routeProcessOf,
  unregisterRoute,
  unregisterRoutesOwnedBy,
  updateRouteApp,
} from '../../src/proxy/routes.js';
import { openState, read } from '../../src/state/db.js';
import { listRoutes } from '../../src/state/routes.js';
import { startListener } from '../helpers/children.js';
import { tempHome } from './helpers.js';

function hasCode(code: string): (error: unknown) => boolean {
  return (error: unknown) => isBerthError(error) && error.code === code;
}

describe('route table', () => {
  it('registers a run route owned by this process and refuses a second live one of the same name', () => {
    const home = tempHome();
    const route = registerRoute({ home, name: 'Web', port: 5173, command: 'vite', cwd: '/tmp' });
    assert.equal(route.name, 'web');
    assert.equal(route.kind, 'run');
    assert.equal(route.owner?.pid, process.pid);
    assert.equal(route.host, '127.0.0.1');
    assert.throws(() => registerRoute({ home, name: 'web.localhost', port: 5174 }), hasCode('E_ROUTE_TAKEN'));
    const forced = registerRoute({ home, name: 'web', port: 5174, force: true });
    assert.equal(forced.port, 5174);
    assert.deepEqual(
      listLiveRoutes({ home }).map((r) => [r.name, r.port]),
      [['web', 5174]],
    );
  });

  it('validates port and host', () => {
    const home = tempHome();
    assert.throws(() => registerRoute({ home, name: 'web', port: 0 }), hasCode('E_PORT_INVALID'));
    assert.throws(() => registerRoute({ home, name: 'web', port: 3000, host: 'example.com' }), hasCode('E_TARGET_INVALID'));
    assert.equal(registerRoute({ home, name: 'six', port: 3000, host: '[::1]' }).host, '::1');
    assert.equal(addAlias({ home, name: 'loc', port: 3000, host: 'localhost' }).host, '127.0.0.1');
  });

  it('drops a run route whose owner was SIGKILLed, keeps aliases and live routes, and lets the name be taken again', async () => {
    const home = tempHome();
    const owner = await startListener();
    const ownerProcess = routeProcessOf(owner.pid);
    assert.ok(ownerProcess);
    registerRoute({ home, name: 'api', port: owner.port, owner: ownerProcess, command: 'node listen.mjs' });
    addAlias({ home, name: 'db-ui', port: 8081 });
    registerRoute({ home, name: 'web', port: 5173 });
    assert.deepEqual(listLiveRoutes({ home }).map((r) => r.name), ['api', 'db-ui', 'web']);

    const exited = once(owner.process, 'exit');
    process.kill(-owner.pid, 'SIGKILL');
    await exited;

    assert.deepEqual(listLiveRoutes({ home }).map((r) => r.name), ['db-ui', 'web']);
    // Dropped from the store itself, not only hidden.
    assert.deepEqual(read(openState({ home }), (db) => listRoutes(db)).map((r) => r.name), ['db-ui', 'web']);
    // A stale holder never blocks the name.
    registerRoute({ home, name: 'api', port: 4000 });
    assert.equal(findLiveRoute('api', { home })?.port, 4000);
  });

  it('a stale route is replaced without --force; findLiveRoute drops it', async () => {
    const home = tempHome();
    const owner = await startListener();
    registerRoute({ home, name: 'gone', port: owner.port, owner: routeProcessOf(owner.pid)! });
    await owner.stop();
    assert.equal(findLiveRoute('gone', { home }), null);
    assert.equal(read(openState({ home }), (db) => listRoutes(db)).length, 0);
  });

  it('removes a route only for its owner when an owner is given', () => {
    const home = tempHome();
    const me = currentProcess();
    registerRoute({ home, name: 'web', port: 5173, owner: me });
    assert.equal(unregisterRoute('web', { home, owner: { pid: me.pid, startMarker: 'someone-else' } }), null);
    assert.equal(unregisterRoute('web', { home, owner: me })?.name, 'web');
    registerRoute({ home, name: 'a', port: 1001, owner: me });
    registerRoute({ home, name: 'b', port: 1002, owner: me });
    addAlias({ home, name: 'c', port: 1003 });
    assert.deepEqual(unregisterRoutesOwnedBy(me, { home }).map((r) => r.name).sort(), ['a', 'b']);
    assert.deepEqual(listLiveRoutes({ home }).map((r) => r.name), ['c']);
  });

  it('records the process that really holds the socket', () => {
    const home = tempHome();
    const me = currentProcess();
    registerRoute({ home, name: 'web', port: 5173, owner: me });
    const updated = updateRouteApp('web', { pid: 4242, startMarker: '99' }, { home, owner: me, port: 5174, host: '::1' });
    assert.deepEqual([updated?.app?.pid, updated?.port, updated?.host], [4242, 5174, '::1']);
    assert.equal(updateRouteApp('web', null, { home, owner: { pid: 1, startMarker: 'x' } }), null);
  });

  it('removes aliases, but not a live berth run route', () => {
    const home = tempHome();
    addAlias({ home, name: 'pg', port: 5050 });
    registerRoute({ home, name: 'web', port: 5173 });
    assert.throws(() => addAlias({ home, name: 'pg', port: 5051 }), hasCode('E_ROUTE_TAKEN'));
    assert.equal(addAlias({ home, name: 'pg', port: 5051, force: true }).port, 5051);
    assert.throws(() => removeAlias('web', { home }), hasCode('E_REFUSED'));
    assert.throws(() => removeAlias('nope', { home }), hasCode('E_NO_ROUTE'));
    assert.equal(removeAlias('PG.localhost', { home }).port, 5051);
    assert.deepEqual(listLiveRoutes({ home }).map((r) => r.name), ['web']);
  });
});
