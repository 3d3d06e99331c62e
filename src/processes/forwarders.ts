/**
 * Processes that hold a host port only to forward it into a container's
 * network namespace: Docker's docker-proxy, rootless Docker and Podman
 * (rootlessport, slirp4netns, pasta), Podman's conmon, Docker Desktop's
 * vpnkit and podman machine's gvproxy. Stopping one does not stop the
 * server (it runs in the container); it breaks the container's published
 * port while the container keeps running.
 */
import type { ProcessInfo } from '../model.js';

/** Port forwarders by process name (comm), with the tool that lists their containers. */
const FORWARDERS: ReadonlyMap<string, 'docker' | 'podman'> = new Map([
  ['docker-proxy', 'docker'],
  ['vpnkit', 'docker'],
  ['rootlessport', 'podman'],
  ['rootlessport-ch', 'podman'],
  ['conmon', 'podman'],
  ['gvproxy', 'podman'],
  ['slirp4netns', 'podman'],
  ['pasta', 'podman'],
  ['pasta.avx2', 'podman'],
]);

/** True when `process` forwards a host port into a container. */
export function isForwarder(process: Pick<ProcessInfo, 'name'>): boolean {
  return FORWARDERS.has(process.name);
}

/** Where docker-proxy sends a port (`-container-ip 172.17.0.2 -container-port 80`), or null. */
export function forwardTarget(process: Pick<ProcessInfo, 'name' | 'argv'>): { address: string; port: number } | null {
  if (process.name !== 'docker-proxy') return null;
  const value = (flag: string): string | undefined => {
    const at = process.argv.indexOf(flag);
    return at === -1 ? undefined : process.argv[at + 1];
  };
  const address = value('-container-ip');
  const port = Number(value('-container-port'));
  return address && Number.isInteger(port) && port > 0 ? { address, port } : null;
}

/** The command that lists the containers publishing `port`, for the forwarder that holds it. */
export function containersCommand(process: Pick<ProcessInfo, 'name'>, port: number): string {
  return `${FORWARDERS.get(process.name) ?? 'docker'} ps --filter publish=${port}`;
}
