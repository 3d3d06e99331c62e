import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isBerthError } from '../../src/errors.js';
import { parseRouteName, routeNameFromHost, routeUrl, toRouteLabel } from '../../src/proxy/names.js';

describe('parseRouteName', () => {
  it('lower-cases and drops a trailing .localhost', () => {
    assert.equal(parseRouteName('Web'), 'web');
    assert.equal(parseRouteName('web.localhost'), 'web');
    assert.equal(parseRouteName('fix-login.WEB.localhost.'), 'fix-login.web');
    assert.equal(parseRouteName('a1'), 'a1');
  });

  it('rejects names that are not DNS labels', () => {
    for (const bad of ['', 'localhost', 'bad_name', '-web', 'web-', 'a..b', '.web', 'web..', 'wé', 'a b', 'x'.repeat(64), `${'a'.repeat(60)}.`.repeat(5)]) {
      assert.throws(
        () => parseRouteName(bad),
        (error: unknown) => isBerthError(error) && error.code === 'E_ROUTE_NAME_INVALID',
        `expected ${JSON.stringify(bad)} to be refused`,
      );
    }
    assert.equal(parseRouteName('x'.repeat(63)), 'x'.repeat(63));
  });
});

describe('routeNameFromHost', () => {
  it('reads the name from a Host header, any case, with or without a port', () => {
    assert.equal(routeNameFromHost('web.localhost'), 'web');
    assert.equal(routeNameFromHost('Web.LocalHost:1355'), 'web');
    assert.equal(routeNameFromHost('api.web.localhost.:80'), 'api.web');
  });

  it('is null for hosts that are not *.localhost', () => {
    for (const host of [undefined, '', 'localhost', 'localhost:1355', '127.0.0.1:1355', '[::1]:1355', 'example.com', 'weblocalhost', '.localhost']) {
      assert.equal(routeNameFromHost(host), null, String(host));
    }
  });
});

describe('toRouteLabel', () => {
  it('turns package names, folders and branches into labels', () => {
    assert.equal(toRouteLabel('@acme/Web_App'), 'web-app');
    assert.equal(toRouteLabel('feat/login'), 'feat-login');
    assert.equal(toRouteLabel('  --My  Project-- '), 'my-project');
    assert.equal(toRouteLabel('___'), null);
    assert.equal(toRouteLabel('a'.repeat(80))?.length, 63);
  });
});

describe('routeUrl', () => {
  it('shows the proxy port except 80', () => {
    assert.equal(routeUrl('web', 1355), 'http://web.localhost:1355/');
    assert.equal(routeUrl('web', 80), 'http://web.localhost/');
  });
});
