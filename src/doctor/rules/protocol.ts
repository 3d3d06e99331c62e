/**
 * PROTOCOL_MISMATCH: the port answers in another protocol than the target
 * expects: TLS behind an http:// URL, plain HTTP behind https://, HTTP on a
 * database URL, a Node inspector or JDWP debug port opened as a web page.
 * NO_RESPONSE: the connect succeeds but no request gets a reply.
 */
import type { ExpectedProtocol, FindingFix, Rule } from '../types.js';
import { formatMs, hostPort, rewriteTarget, servingListeners } from './helpers.js';

/** Protocols that satisfy what a scheme expects. */
const ACCEPTED: Record<ExpectedProtocol, readonly string[]> = {
  http: ['http', 'h2c'],
  https: ['https', 'tls'],
  tls: ['tls', 'https'],
  postgres: ['postgres'],
  mysql: ['mysql'],
  redis: ['redis'],
  mongodb: ['mongodb'],
  ssh: ['ssh'],
};

const NAMES: Record<string, string> = {
  http: 'plain HTTP',
  https: 'HTTPS',
  tls: 'TLS',
  h2c: 'HTTP/2 without TLS',
  ssh: 'SSH',
  postgres: 'PostgreSQL',
  mysql: 'MySQL',
  redis: 'Redis',
  mongodb: 'MongoDB',
  'node-inspector': 'the Node.js inspector (a debug port)',
  'chrome-devtools': 'the Chrome DevTools protocol (a debug port)',
  jdwp: 'JDWP, the Java debug wire protocol (a debug port)',
  smtp: 'SMTP',
};

function fixFor(expected: ExpectedProtocol, actual: string, facts: Parameters<Rule>[0]): FindingFix {
  const t = facts.target;
  const where = hostPort(t.host, t.port);
  if (expected === 'http' && (actual === 'https' || actual === 'tls')) {
    const url = `${t.scheme === 'ws' ? 'wss' : 'https'}://${where}/`;
    return { text: `The server speaks TLS: use ${url} (its certificate may be self-signed).`, command: `curl -k ${url}` };
  }
  if (expected === 'https' && (actual === 'http' || actual === 'h2c')) {
    const url = `${t.scheme === 'wss' ? 'ws' : 'http'}://${where}/`;
    return { text: `The server speaks plain HTTP: use ${url}, or enable TLS on the server.`, command: `curl ${url}` };
  }
  if (actual === 'node-inspector') {
    return {
      text: 'This is a Node.js debug port, not the app: attach a debugger (chrome://inspect, or node inspect), and open the app on the port it serves HTTP on.',
      command: `node inspect ${where}`,
    };
  }
  if (actual === 'chrome-devtools') {
    return { text: 'This is a browser debug port: attach DevTools or Playwright to it, and open the app on its own port.', command: `curl http://${where}/json/version` };
  }
  if (actual === 'jdwp') {
    return {
      text: 'This is a Java debug port (-agentlib:jdwp): attach a Java debugger to it; the JVM logs "handshake failed" and IDEs print "Disconnected from the target VM" when anything else connects. Open the app on its HTTP port instead.',
      command: `jdb -attach ${where}`,
    };
  }
  if (actual === 'http' && expected !== 'https') {
    return {
      text: `Port ${t.port} is a web server, not ${NAMES[expected] ?? expected}: point the URL at the ${NAMES[expected] ?? expected} port (see berth ls), or open this one in a browser.`,
      command: 'berth ls',
    };
  }
  return { text: `Port ${t.port} speaks ${NAMES[actual] ?? actual}: use a ${NAMES[actual] ?? actual} client, or point the URL at the ${NAMES[expected] ?? expected} port.`, command: `berth identify ${rewriteTarget(facts, {})}` };
}

/** Fires when identification names a protocol the target's scheme does not expect. */
export const protocolMismatch: Rule = (facts) => {
  const t = facts.target;
  const id = facts.identify;
  if (!id || id.aborted || t.expected === null) return [];
  if (id.protocol === 'unknown' || id.protocol === 'no-answer' || ACCEPTED[t.expected].includes(id.protocol)) return [];
  const expectedName = NAMES[t.expected] ?? t.expected;
  const actualName = NAMES[id.protocol] ?? id.protocol;
  return [
    {
      code: 'PROTOCOL_MISMATCH',
      severity: 'error',
      title: `${t.scheme}:// expects ${expectedName}, the port speaks ${actualName}`,
      message: `${hostPort(id.address, t.port)} answers in ${actualName}, but ${t.scheme}:// talks ${expectedName}, so the client and the server cannot understand each other.`,
      evidence: [`${hostPort(id.address, t.port)} answered: ${id.summary} (${formatMs(id.ms)})`, `the target's scheme ${t.scheme}:// expects ${expectedName}`],
      fix: fixFor(t.expected, id.protocol, facts),
    },
  ];
};

/** Fires when a URL target accepts the connect but sends nothing back to any probe. */
export const noResponse: Rule = (facts) => {
  const t = facts.target;
  const id = facts.identify;
  if (!id || id.aborted || !id.silent || t.expected === null) return [];
  const listener = servingListeners(facts)[0];
  return [
    {
      code: 'NO_RESPONSE',
      severity: 'error',
      title: `${hostPort(id.address, t.port)} accepts connections but never answers`,
      message: `The connect to ${hostPort(id.address, t.port)} succeeds but no reply comes within ${formatMs(id.ms)}, so the server accepts connections without serving them (a blocked event loop, a stuck handler, or a debugger pause).`,
      evidence: [`${hostPort(id.address, t.port)}: connected, then ${id.summary}`, ...(listener?.holders[0] ? [`held by pid ${listener.holders[0].pid} (${listener.holders[0].name}), state ${listener.holders[0].state ?? 'unknown'}`] : [])],
      fix: listener?.holders[0]
        ? { text: `Look at what pid ${listener.holders[0].pid} is doing: its CPU use, its logs, a stack dump.`, command: `top -p ${listener.holders[0].pid}` }
        : { text: 'Look at what the server is doing: its CPU use, its logs, a stack dump.' },
    },
  ];
};
