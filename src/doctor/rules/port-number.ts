/**
 * What the port number itself causes:
 * BROWSER_UNSAFE_PORT: browsers refuse it (ERR_UNSAFE_PORT) though curl works;
 * EPHEMERAL_PORT: inside the OS ephemeral range, so outgoing connections can take it;
 * PRIVILEGED_PORT: below the unprivileged floor, so binding needs root.
 */
import type { Rule } from '../types.js';

const WEB_SCHEMES = new Set(['http', 'https', 'ws', 'wss']);

/** Fires for a web (or bare-port) target on a port browsers block. */
export const browserUnsafePort: Rule = (facts) => {
  const t = facts.target;
  if (!facts.port.browserUnsafe || (t.scheme !== null && !WEB_SCHEMES.has(t.scheme))) return [];
  return [
    {
      code: 'BROWSER_UNSAFE_PORT',
      severity: 'warning',
      title: `Browsers refuse port ${t.port}`,
      message: `Port ${t.port} is on the browsers' unsafe-port list, so Chrome and Firefox refuse to open it (ERR_UNSAFE_PORT) even though curl and other clients work.`,
      evidence: [`port ${t.port} is in Chromium's kRestrictedPorts (net/base/port_util.cc), which Firefox shares`],
      fix: {
        text: `Serve the app on another port (3000, 8080 …); for a one-off, start Chrome with --explicitly-allowed-ports=${t.port}.`,
        command: `google-chrome --explicitly-allowed-ports=${t.port}`,
      },
    },
  ];
};

/** Fires when the port is ephemeral and nothing listens on it, or an outgoing connection holds it. */
export const ephemeralPort: Rule = (facts) => {
  const t = facts.target;
  if (!t.local || !facts.port.ephemeral || (facts.listeners.length > 0 && facts.outgoingOnPort === 0)) return [];
  const range = facts.sysctls.ephemeralRange;
  const evidence = [`net.ipv4.ip_local_port_range = ${range.from} ${range.to}`];
  if (facts.outgoingOnPort > 0) evidence.push(`${facts.outgoingOnPort} outgoing connection(s) use port ${t.port} as their source port right now`);
  return [
    {
      code: 'EPHEMERAL_PORT',
      severity: facts.outgoingOnPort > 0 ? 'warning' : 'info',
      title: `Port ${t.port} is in the ephemeral range`,
      message: `Port ${t.port} lies in this machine's ephemeral range (${range.from}–${range.to}), which the OS hands out to outgoing connections, so a server that wants it can find it taken (EADDRINUSE) at random.`,
      evidence,
      fix: {
        text: `Use a port below ${range.from} for servers, or reserve this one so the OS never hands it out.`,
        command: `sysctl -w net.ipv4.ip_local_reserved_ports=${t.port}`,
      },
    },
  ];
};

/** Fires when nothing listens on a port that needs privileges to bind. */
export const privilegedPort: Rule = (facts) => {
  const t = facts.target;
  if (!t.local || !facts.port.privileged || facts.listeners.length > 0) return [];
  const floor = facts.sysctls.unprivilegedFloor;
  return [
    {
      code: 'PRIVILEGED_PORT',
      severity: 'info',
      title: `Port ${t.port} needs privileges to bind`,
      message: `Port ${t.port} is below ${floor}, so only root or a program with CAP_NET_BIND_SERVICE may listen on it: a server started as a normal user fails with EACCES.`,
      evidence: [`net.ipv4.ip_unprivileged_port_start = ${floor}`],
      fix: {
        text: `Use a port of ${floor} or above, or give the server's binary the capability.`,
        command: `sudo setcap cap_net_bind_service=+ep "$(readlink -f "$(command -v node)")"`,
      },
    },
  ];
};
