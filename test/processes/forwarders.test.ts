import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { containersCommand, forwardTarget, isForwarder } from '../../src/processes/forwarders.js';

describe('container port forwarders', () => {
  it('knows Docker, rootless Docker/Podman and Podman machine forwarders by name', () => {
    for (const name of ['docker-proxy', 'rootlessport', 'conmon', 'slirp4netns', 'pasta', 'vpnkit', 'gvproxy']) assert.ok(isForwarder({ name }), name);
    for (const name of ['node', 'dockerd', 'docker', 'nginx']) assert.ok(!isForwarder({ name }), name);
  });

  it("reads docker-proxy's container address and port", () => {
    const argv = ['/usr/bin/docker-proxy', '-proto', 'tcp', '-host-ip', '0.0.0.0', '-host-port', '8080', '-container-ip', '172.17.0.2', '-container-port', '80'];
    assert.deepEqual(forwardTarget({ name: 'docker-proxy', argv }), { address: '172.17.0.2', port: 80 });
    const v6 = ['docker-proxy', '-container-ip', 'fd00::2', '-container-port', '443'];
    assert.deepEqual(forwardTarget({ name: 'docker-proxy', argv: v6 }), { address: 'fd00::2', port: 443 });
  });

  it('no target without both flags, a valid port, or for other forwarders', () => {
    assert.equal(forwardTarget({ name: 'docker-proxy', argv: ['docker-proxy', '-container-ip', '172.17.0.2'] }), null);
    assert.equal(forwardTarget({ name: 'docker-proxy', argv: ['docker-proxy', '-container-ip', '172.17.0.2', '-container-port', 'http'] }), null);
    assert.equal(forwardTarget({ name: 'docker-proxy', argv: ['docker-proxy', '-container-port'] }), null);
    assert.equal(forwardTarget({ name: 'rootlessport', argv: ['rootlessport', '-container-ip', '10.0.2.100', '-container-port', '80'] }), null);
  });

  it('points at docker or podman, whichever runs the container', () => {
    assert.equal(containersCommand({ name: 'docker-proxy' }, 8080), 'docker ps --filter publish=8080');
    assert.equal(containersCommand({ name: 'vpnkit' }, 8080), 'docker ps --filter publish=8080');
    assert.equal(containersCommand({ name: 'rootlessport' }, 8080), 'podman ps --filter publish=8080');
    assert.equal(containersCommand({ name: 'conmon' }, 5432), 'podman ps --filter publish=5432');
  });
});
