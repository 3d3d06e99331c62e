/**
 * The one probe that is not harmless everywhere: completing the JDWP
 * handshake attaches a debugger, and when berth detaches, a JVM started with
 * `suspend=y` (the default) stops waiting for its debugger and runs. So before
 * handshaking with a port on this machine, berth reads the holder's JVM
 * options; a JVM that waits for its debugger is named from those options and
 * never touched. (A remote port, or a hidden holder, cannot be checked: the
 * handshake then runs; see identifyPort's docs.)
 */
import { readFileSync } from 'node:fs';
import { networkInterfaces } from 'node:os';
import { listSockets } from '../../inventory/index.js';
import { isLoopback } from '../../ports/address.js';
import { sure, type Verdict } from './verdict.js';

/** The options of a JDWP agent found in a command line or JAVA_TOOL_OPTIONS. */
export interface JdwpAgentOptions {
  /** Raw option string: `transport=dt_socket,server=y,address=5005`. */
  raw: string;
  server: boolean;
  /** True unless `suspend=n`: the JVM waits for a debugger before running main. */
  suspend: boolean;
  address: string | null;
}

/** Finds a JDWP agent (`-agentlib:jdwp=…`, `-Xrunjdwp:…`) among JVM arguments. Pure. */
export function findJdwpAgent(args: readonly string[]): JdwpAgentOptions | null {
  for (const arg of args) {
    const match = /^(?:-agentlib:jdwp=|-Xrunjdwp:)(.*)$/.exec(arg);
    if (!match) continue;
    const options = new Map<string, string>();
    for (const pair of match[1]!.split(',')) {
      const eq = pair.indexOf('=');
      if (eq > 0) options.set(pair.slice(0, eq), pair.slice(eq + 1));
    }
    return {
      raw: match[1]!,
      server: options.get('server') === 'y',
      suspend: options.get('suspend') !== 'n', // JDWP's default is suspend=y
      address: options.get('address') ?? null,
    };
  }
  return null;
}

function javaOptionsFromEnvironment(pid: number): string[] {
  try {
    const environ = readFileSync(`/proc/${pid}/environ`, 'latin1').split('\0');
    return environ
      .filter((entry) => /^(?:JAVA_TOOL_OPTIONS|JDK_JAVA_OPTIONS|_JAVA_OPTIONS)=/.test(entry))
      .flatMap((entry) => entry.slice(entry.indexOf('=') + 1).split(/\s+/));
  } catch {
    return [];
  }
}

function isThisMachine(address: string): boolean {
  if (isLoopback(address)) return true;
  return Object.values(networkInterfaces()).some((list) => list?.some((i) => i.address === address));
}

/**
 * Checks the local holder of `port` for a JVM that waits for its debugger.
 * @returns a verdict built from its options when the handshake must not run, else null.
 */
export async function jdwpWaitingVerdict(address: string, port: number): Promise<Verdict | null> {
  if (process.platform !== 'linux' || !isThisMachine(address)) return null;
  let sockets;
  try {
    sockets = await listSockets({ protocol: 'tcp', ports: { from: port, to: port } });
  } catch {
    return null;
  }
  for (const socket of sockets) {
    for (const holder of socket.holders) {
      const agent = findJdwpAgent(holder.argv) ?? findJdwpAgent(javaOptionsFromEnvironment(holder.pid));
      if (agent?.suspend) {
        return sure('jdwp', `JDWP: a Java debugger port; the JVM (pid ${holder.pid}) waits for its debugger (suspend=y), so berth did not attach`, {
          fromCommandLine: true,
          suspend: true,
          agent: agent.raw,
          pid: holder.pid,
        });
      }
    }
  }
  return null;
}
