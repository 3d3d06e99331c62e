/**
 * `iptables-save` / `ip6tables-save` output: a pure parser, and a small
 * first-match evaluator that says which rule (or chain policy) drops the
 * packets of a local connect. It understands the matches that decide
 * loopback traffic (protocol, addresses, interfaces, ports, multiport,
 * conntrack state, --syn, jumps into user chains); any other match makes a
 * rule "unknown", which counts for DROP/REJECT only when the rule also
 * names the port, the interface or the address explicitly.
 * Format: iptables-save(8); matches: iptables-extensions(8).
 */
import { and, matchesCidr, matchesInterface, matchesPortSpec, type Hook, type Packet, type Tri } from './firewall-packet.js';

/** One `-A` line. */
export interface IptRule {
  table: string;
  chain: string;
  /** Tokens after `-A CHAIN`. */
  args: string[];
  /** The line as iptables-save printed it. */
  line: string;
}

/** A table: chains with their policy (null for user chains) and rules in order. */
export interface IptTable {
  name: string;
  chains: Map<string, { policy: string | null; rules: IptRule[] }>;
}

/** Splits a line into tokens, honouring the double quotes iptables-save puts around comments. */
export function tokenize(line: string): string[] {
  const tokens: string[] = [];
  let current = '';
  let inToken = false;
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const c = line[i]!;
    if (quoted) {
      if (c === '\\' && i + 1 < line.length) current += line[++i];
      else if (c === '"') quoted = false;
      else current += c;
    } else if (c === '"') {
      quoted = true;
      inToken = true;
    } else if (c === ' ' || c === '\t') {
      if (inToken) tokens.push(current);
      current = '';
      inToken = false;
    } else {
      current += c;
      inToken = true;
    }
  }
  if (inToken) tokens.push(current);
  return tokens;
}

/** Parses iptables-save output into tables. */
export function parseIptablesSave(text: string): IptTable[] {
  const tables: IptTable[] = [];
  let table: IptTable | null = null;
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line.startsWith('*')) {
      table = { name: line.slice(1), chains: new Map() };
      tables.push(table);
    } else if (table && line.startsWith(':')) {
      const [name = '', policy = '-'] = line.slice(1).split(/\s+/);
      table.chains.set(name, { policy: policy === '-' ? null : policy, rules: [] });
    } else if (table && line.startsWith('-A ')) {
      const tokens = tokenize(line);
      const chain = tokens[1] ?? '';
      if (!table.chains.has(chain)) table.chains.set(chain, { policy: null, rules: [] });
      table.chains.get(chain)!.rules.push({ table: table.name, chain, args: tokens.slice(2), line });
    }
  }
  return tables;
}

/** What a rule does with a packet, and why. */
interface RuleMatch {
  result: Tri;
  target: string | null;
  goto: boolean;
  /** Explicit positive matches, for messages: `tcp dport 3000`, `in-interface lo`. */
  matched: string[];
  comment: string | null;
}

function negate(value: Tri, negated: boolean): Tri {
  if (!negated || value === 'unknown') return value;
  return !value;
}

function maskToLength(mask: string): string {
  if (/^\d+$/.test(mask)) return mask;
  // Dotted netmask (255.0.0.0) to a prefix length.
  const bits = mask.split('.').map((part) => Number(part).toString(2).replace(/0/g, '')).join('');
  return String(bits.length);
}

function matchesAddressList(address: string, list: string): Tri {
  return list.split(',').some((entry) => {
    const [prefix = '', mask] = entry.split('/');
    return matchesCidr(address, mask === undefined ? prefix : `${prefix}/${maskToLength(mask)}`);
  });
}

/** Evaluates one rule's matches against a packet. */
export function matchRule(args: readonly string[], packet: Packet): RuleMatch {
  const results: Tri[] = [];
  const matched: string[] = [];
  let target: string | null = null;
  let goto = false;
  let comment: string | null = null;
  let negated = false;
  const push = (value: Tri, label: string | null): void => {
    const final = negate(value, negated);
    results.push(final);
    if (final === true && label && !negated) matched.push(label);
    negated = false;
  };
  for (let i = 0; i < args.length; i++) {
    const token = args[i]!;
    const value = args[i + 1] ?? '';
    switch (token) {
      case '!':
        negated = true;
        continue;
      case '-p':
      case '--protocol':
        push(['tcp', '6', 'all'].includes(value.toLowerCase()), null);
        i++;
        break;
      case '-s':
      case '--source':
        push(matchesAddressList(packet.saddr, value), `source ${value}`);
        i++;
        break;
      case '-d':
      case '--destination':
        push(matchesAddressList(packet.daddr, value), `destination ${value}`);
        i++;
        break;
      case '-i':
      case '--in-interface':
        push(matchesInterface(packet.iif, value), `in-interface ${value}`);
        i++;
        break;
      case '-o':
      case '--out-interface':
        push(matchesInterface(packet.oif, value), `out-interface ${value}`);
        i++;
        break;
      case '--dport':
      case '--destination-port':
        push(matchesPortSpec(packet.dport, value), `tcp dport ${value}`);
        i++;
        break;
      case '--sport':
      case '--source-port':
        push(matchesPortSpec(packet.sport, value), `tcp sport ${value}`);
        i++;
        break;
      case '--dports':
      case '--destination-ports':
        push(anyPort(packet.dport, value), `tcp dports ${value}`);
        i++;
        break;
      case '--sports':
      case '--source-ports':
        push(anyPort(packet.sport, value), `tcp sports ${value}`);
        i++;
        break;
      case '--ports':
        push(anyPort(packet.dport, value) === true || anyPort(packet.sport, value) === true, `tcp ports ${value}`);
        i++;
        break;
      case '--ctstate':
      case '--state':
        push(value.toLowerCase().split(',').includes(packet.ctstate), null);
        i++;
        break;
      case '--syn':
        push(packet.ctstate === 'new', null);
        break;
      case '-m':
      case '--match':
        i++; // loads a match module; its options follow
        break;
      case '--comment':
        comment = value;
        i++;
        break;
      case '-j':
      case '--jump':
        target = value;
        i++;
        break;
      case '-g':
      case '--goto':
        target = value;
        goto = true;
        i++;
        break;
      case '--reject-with':
        i++;
        break;
      default:
        if (token.startsWith('-')) {
          // A match berth does not evaluate; skip its value(s).
          results.push('unknown');
          negated = false;
          while (i + 1 < args.length && !args[i + 1]!.startsWith('-') && args[i + 1] !== '!') i++;
        }
    }
  }
  return { result: and(results), target, goto, matched, comment };
}

function anyPort(port: number | null, list: string): Tri {
  const results = list.split(',').map((spec) => matchesPortSpec(port, spec));
  if (results.includes(true)) return true;
  return results.includes('unknown') ? 'unknown' : false;
}

/** A rule or policy that drops the packet. */
export interface IptDrop {
  table: string;
  chain: string;
  verdict: 'drop' | 'reject';
  /** The rule; null when the chain's policy dropped it. */
  rule: IptRule | null;
  matched: string[];
  comment: string | null;
}

type ChainOutcome = { kind: 'accept' } | { kind: 'return' } | { kind: 'drop'; drop: IptDrop } | { kind: 'end' };

const MAX_JUMP_DEPTH = 16;

function evaluateChain(table: IptTable, chain: string, packet: Packet, depth: number): ChainOutcome {
  const entry = table.chains.get(chain);
  if (!entry || depth > MAX_JUMP_DEPTH) return { kind: 'end' };
  for (const rule of entry.rules) {
    const m = matchRule(rule.args, packet);
    if (m.result === false || m.target === null) continue;
    const definite = m.result === true;
    const target = m.target.toUpperCase();
    if (target === 'DROP' || target === 'REJECT') {
      // An unknown match counts only when the rule names the port, interface or address outright.
      if (definite || m.matched.length > 0) {
        return { kind: 'drop', drop: { table: table.name, chain, verdict: target === 'DROP' ? 'drop' : 'reject', rule, matched: m.matched, comment: m.comment } };
      }
      continue;
    }
    if (!definite) continue;
    if (target === 'ACCEPT') return { kind: 'accept' };
    if (target === 'RETURN') return { kind: 'return' };
    if (table.chains.has(m.target)) {
      const inner = evaluateChain(table, m.target, packet, depth + 1);
      if (inner.kind === 'accept' || inner.kind === 'drop') return inner;
      if (m.goto) return { kind: 'return' };
    }
  }
  return { kind: 'end' };
}

/** Base chains per hook, in the order netfilter runs them (raw, mangle, nat, filter, security). */
const HOOK_CHAINS: Record<Hook, Array<[table: string, chain: string]>> = {
  prerouting: [['raw', 'PREROUTING'], ['mangle', 'PREROUTING'], ['nat', 'PREROUTING']],
  input: [['mangle', 'INPUT'], ['nat', 'INPUT'], ['filter', 'INPUT'], ['security', 'INPUT']],
  output: [['raw', 'OUTPUT'], ['mangle', 'OUTPUT'], ['nat', 'OUTPUT'], ['filter', 'OUTPUT'], ['security', 'OUTPUT']],
  postrouting: [['mangle', 'POSTROUTING'], ['nat', 'POSTROUTING']],
};

/** The first rule or policy that drops `packet`, or null when the tables let it through. */
export function findIptablesDrop(tables: readonly IptTable[], packet: Packet): IptDrop | null {
  for (const hook of packet.hooks) {
    for (const [tableName, chain] of HOOK_CHAINS[hook]) {
      const table = tables.find((t) => t.name === tableName);
      if (!table?.chains.has(chain)) continue;
      const outcome = evaluateChain(table, chain, packet, 0);
      if (outcome.kind === 'drop') return outcome.drop;
      if (outcome.kind === 'accept') continue;
      const policy = table.chains.get(chain)!.policy;
      if (policy === 'DROP') return { table: tableName, chain, verdict: 'drop', rule: null, matched: [], comment: null };
    }
  }
  return null;
}
