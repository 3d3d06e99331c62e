/**
 * Rendering `berth explain`.
 */
import type { PortExplanation } from '../../explain/index.js';
import { describeExposure } from '../../ports/address.js';
import { formatAddress } from './sockets.js';
import type { Style } from './style.js';

const CLASS_RANGE = { 'well-known': '0–1023', registered: '1024–49151', dynamic: '49152–65535' } as const;

/** Renders the explanation of a port as labelled lines. */
export function renderExplain(e: PortExplanation, style: Style): string[] {
  const { facts, machine } = e;
  const eph = machine.ephemeralRange;
  const row = (label: string, text: string): string => `  ${label.padEnd(11)}${text}`;
  const out = [`Port ${style.bold(String(facts.port))}`];
  out.push(row('range', `${facts.class} (${CLASS_RANGE[facts.class]})`));
  if (e.iana.length === 0) out.push(row('IANA', style.dim('no assignment')));
  e.iana.forEach((s, i) => {
    const protocols = s.protocols.length ? ` (${s.protocols.join('/')})` : '';
    out.push(row(i === 0 ? 'IANA' : '', `${s.name}${s.description ? ` — ${s.description}` : ''}${protocols}`));
  });
  if (facts.service && !e.iana.some((s) => s.name === facts.service)) out.push(row('commonly', facts.service));
  out.push(
    row(
      'ephemeral',
      facts.ephemeral
        ? style.yellow(`yes: inside this machine's ephemeral range ${eph.from}–${eph.to}; the OS may give it to any outgoing connection, so a server can find it taken`)
        : `no (this machine's ephemeral range is ${eph.from}–${eph.to})`,
    ),
  );
  out.push(
    row(
      'privileged',
      facts.privileged
        ? style.yellow(`yes: binding it needs root or CAP_NET_BIND_SERVICE (ports below ${machine.unprivilegedFloor} here)`)
        : machine.unprivilegedFloor === 0
          ? 'no (any user may bind any port here)'
          : `no (only ports below ${machine.unprivilegedFloor} are privileged here)`,
    ),
  );
  out.push(
    row(
      'browsers',
      facts.browserUnsafe
        ? style.yellow('refuse it: Chrome and Firefox block this port (ERR_UNSAFE_PORT), though curl works')
        : 'allow it',
    ),
  );
  const held = e.holders;
  if (held.listeners.length === 0) {
    out.push(row('held by', style.dim('nobody right now')));
  } else {
    held.listeners.forEach((socket, i) => {
      const who = socket.holders.map((p) => `pid ${p.pid} ${p.name}`).join(', ') || style.dim('a hidden process');
      const where = `${socket.protocol} ${formatAddress(socket)}:${socket.localPort}`;
      out.push(row(i === 0 ? 'held by' : '', `${who}  ${style.dim(`${where}, ${describeExposure(socket.exposure, socket.localAddress)}`)}`));
    });
  }
  return out;
}
