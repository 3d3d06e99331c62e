/**
 * Rendering `berth who`.
 */
import { localDateTime } from '../../clock.js';
import { formatDuration } from '../../duration.js';
import type { WhoResult } from '../../inventory/index.js';
import type { Socket } from '../../model.js';
import { describeExposure } from '../../ports/address.js';
import { containersCommand, forwardTarget, isForwarder } from '../../processes/forwarders.js';
import { formatHostPort } from '../../ports/parse.js';
import { formatAddress, tildify } from './sockets.js';
import { hiddenAdvice } from './hidden.js';
import type { Style } from './style.js';

function socketLine(socket: Socket): string {
  return `${socket.protocol} ${formatAddress(socket)}:${socket.localPort}`;
}

function targetLabel(result: WhoResult): string {
  return formatHostPort(result.target.host, result.target.port);
}

/** A short line of what the port number itself means. */
export function renderPortFacts(result: WhoResult, style: Style): string {
  const f = result.facts;
  const parts = [`${f.class} port`];
  if (f.service) parts.push(`usually ${f.service}`);
  if (f.ephemeral) parts.push('inside the OS ephemeral range');
  if (f.privileged) parts.push('privileged (binding needs root)');
  if (f.browserUnsafe) parts.push('browsers refuse it (ERR_UNSAFE_PORT)');
  return style.dim(`port ${f.port}: ${parts.join(' · ')}`);
}

/** Renders the holders of a port, or the one line saying nobody holds it. */
export function renderWho(result: WhoResult, style: Style, now = Date.now()): string[] {
  const label = targetLabel(result);
  const out: string[] = [];
  if (result.listeners.length === 0) {
    out.push(`Nothing is listening on ${label}.`);
    for (const socket of result.elsewhere) {
      const who = socket.holders.map((p) => `pid ${p.pid} (${p.name})`).join(', ') || 'a hidden process';
      out.push(`  but ${socketLine(socket)} is held by ${who}: it does not accept connections to ${result.target.host}.`);
    }
  } else if (result.holders.length === 0) {
    out.push(`${label} is held by a process of ${result.listeners[0]!.user ?? 'another user'} that berth cannot see.`);
    out.push(style.dim(`  ${hiddenAdvice(`berth who ${result.target.input}`)}`));
    for (const socket of result.listeners) out.push(`  ${socketLine(socket)}  ${describeExposure(socket.exposure, socket.localAddress)}`);
  } else {
    const n = result.holders.length;
    out.push(`${style.bold(label)} is held by ${n} process${n === 1 ? '' : 'es'}:`);
    for (const holder of result.holders) {
      const p = holder.process;
      out.push('');
      out.push(`  ${style.bold(`pid ${p.pid}`)}  ${style.cyan(p.name)}${p.ppid !== null ? style.dim(`  (parent ${p.ppid})`) : ''}`);
      out.push(`    command  ${p.command}`);
      out.push(`    folder   ${p.cwd === null ? style.dim('unknown (sudo shows it)') : tildify(p.cwd)}`);
      out.push(`    user     ${p.user ?? style.dim('unknown')}`);
      if (p.startedAt !== null) {
        const started = localDateTime(p.startedAt);
        out.push(`    started  ${started} (up ${formatDuration(holder.uptimeMs ?? Math.max(0, now - p.startedAt))})`);
      }
      holder.sockets.forEach((socket, i) => {
        const exposure = describeExposure(socket.exposure, socket.localAddress);
        const text = socket.exposure === 'loopback' ? style.green(exposure) : style.yellow(exposure);
        out.push(`    ${i === 0 ? 'listens' : '       '}  ${socketLine(socket).padEnd(28)} ${text}`);
      });
      if (isForwarder(p)) {
        // The server is inside a container: this process only carries the port to it.
        const to = forwardTarget(p);
        out.push(`    ${style.cyan('forwards')} ${to ? `to ${formatHostPort(to.address, to.port)} ` : ''}inside a container; find it with: ${containersCommand(p, result.target.port)}`);
      }
    }
    if (result.hidden) out.push('', style.dim(`Some holders are hidden. ${hiddenAdvice(`berth who ${result.target.input}`)}`));
  }
  if (result.connections) {
    out.push('');
    if (result.connections.length === 0) {
      out.push(style.dim('No connections on this port.'));
    } else {
      out.push(`${result.connections.length} connection${result.connections.length === 1 ? '' : 's'}:`);
      for (const c of result.connections) {
        const peer = c.remoteAddress === null ? '*' : formatHostPort(c.remoteAddress, c.remotePort ?? 0);
        const local = formatHostPort(c.localAddress, c.localPort);
        const owner = c.holders.map((p) => `${p.name}[${p.pid}]`).join(',') || '-';
        out.push(`  ${c.protocol} ${local.padEnd(26)} ↔ ${peer.padEnd(26)} ${c.state.padEnd(11)} ${owner}`);
      }
    }
  }
  out.push('', renderPortFacts(result, style));
  return out;
}
