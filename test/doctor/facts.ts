/**
 * Hand-built doctor facts for the pure rule tests: a healthy baseline
 * (http://localhost:3000/ served by a running node on 127.0.0.1) that each
 * test bends into the case it needs.
 */
import type { DoctorFacts, HolderFact, ListenerFact, ProbeFact } from '../../src/doctor/types.js';

/** A running node process. */
export function holder(patch: Partial<HolderFact> = {}): HolderFact {
  return { pid: 4242, name: 'node', command: 'node server.js', cwd: '/home/dev/app', state: 'S', netns: 'net:[4026531840]', ...patch };
}

/** A loopback listener on 127.0.0.1 that serves the client. */
export function listener(patch: Partial<ListenerFact> = {}): ListenerFact {
  return {
    address: '127.0.0.1',
    family: 4,
    exposure: 'loopback',
    acceptsClient: true,
    holders: [holder()],
    holdersHidden: false,
    user: 'dev',
    acceptQueue: { current: 0, max: null },
    ...patch,
  };
}

/** A probe of a client address. */
export function probe(patch: Partial<ProbeFact> = {}): ProbeFact {
  return { address: '127.0.0.1', family: 4, client: true, outcome: 'ok', code: null, ms: 0.4, ...patch };
}

/** The healthy baseline, with `patch` applied on top (shallow, per key). */
export function makeFacts(patch: Partial<DoctorFacts> = {}): DoctorFacts {
  const base: DoctorFacts = {
    target: {
      input: 'http://localhost:3000/',
      host: 'localhost',
      barePort: false,
      port: 3000,
      scheme: 'http',
      expected: 'http',
      hostKind: 'localhost',
      local: true,
    },
    platform: 'linux',
    resolver: [{ address: '127.0.0.1', family: 4 }],
    resolveError: null,
    clientAddresses: [{ address: '127.0.0.1', family: 4 }],
    probes: [probe(), probe({ address: '::1', family: 6, client: false, outcome: 'refused', code: 'ECONNREFUSED' })],
    listeners: [listener()],
    udp: [],
    timeWait: 0,
    outgoingOnPort: 0,
    nearby: [],
    counters: { before: { listenOverflows: 0, listenDrops: 0 }, after: { listenOverflows: 0, listenDrops: 0 } },
    loopback: { up: true, flags: '0x9' },
    firewall: { readable: false, reason: 'not read: every connect answered at once', sources: [], matches: [] },
    proxy: { set: [], noProxy: [], uncovered: [] },
    sysctls: { ephemeralRange: { from: 32768, to: 60999 }, unprivilegedFloor: 1024, ipv6Disabled: false, somaxconn: 4096 },
    port: { port: 3000, class: 'registered', service: null, ephemeral: false, privileged: false, browserUnsafe: false },
    netns: 'net:[4026531840]',
    foreignListeners: [],
    identify: { protocol: 'http', summary: 'HTTP/1.1 200 OK', address: '127.0.0.1', ms: 1.2, aborted: false, silent: false },
    lastHolder: null,
    gaps: [],
  };
  return { ...base, ...patch };
}

/** Facts for "nothing listens on 3000". */
export function nothingFacts(patch: Partial<DoctorFacts> = {}): DoctorFacts {
  return makeFacts({
    listeners: [],
    probes: [
      probe({ outcome: 'refused', code: 'ECONNREFUSED' }),
      probe({ address: '::1', family: 6, client: false, outcome: 'refused', code: 'ECONNREFUSED' }),
    ],
    identify: null,
    ...patch,
  });
}
