/**
 * `nft -j list ruleset` output: a pure parser and a first-match evaluator
 * that says which rule (or base chain policy) drops the packets of a local
 * connect. Understood: tcp/th ports, ip/ip6 addresses, meta l4proto and
 * interface names, ct state, anonymous and named sets, ranges, prefixes and
 * jump/goto/return; anything else makes a rule "unknown", which counts for
 * drop/reject only when the rule also names the port, interface or address.
 * Format: libnftables-json(5).
 */
import { and, matchesCidr, matchesInterface, type Hook, type Packet, type Tri } from './firewall-packet.js';

type Json = unknown;

/** One nft rule. */
export interface NftRule {
  family: string;
  table: string;
  chain: string;
  handle: number;
  expr: Json[];
  comment: string | null;
}

/** One chain; base chains have a hook. */
export interface NftChain {
  family: string;
  table: string;
  name: string;
  hook: string | null;
  prio: number;
  policy: string | null;
  rules: NftRule[];
}

/** A parsed ruleset. */
export interface NftRuleset {
  chains: NftChain[];
  /** Named sets, keyed `family table name`. */
  sets: Map<string, Json[]>;
}

function obj(value: Json): Record<string, Json> | null {
  return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, Json>) : null;
}

/** Parses the JSON text of `nft -j list ruleset`. */
export function parseNftJson(text: string): NftRuleset {
  const root = obj(JSON.parse(text) as Json);
  const items = Array.isArray(root?.['nftables']) ? (root!['nftables'] as Json[]) : [];
  const chains = new Map<string, NftChain>();
  const sets = new Map<string, Json[]>();
  const key = (family: Json, table: Json, name: Json): string => `${String(family)} ${String(table)} ${String(name)}`;
  for (const item of items) {
    const o = obj(item);
    if (!o) continue;
    const chain = obj(o['chain']);
    const rule = obj(o['rule']);
    const set = obj(o['set']) ?? obj(o['map']);
    if (chain) {
      chains.set(key(chain['family'], chain['table'], chain['name']), {
        family: String(chain['family']),
        table: String(chain['table']),
        name: String(chain['name']),
        hook: typeof chain['hook'] === 'string' ? chain['hook'] : null,
        prio: typeof chain['prio'] === 'number' ? chain['prio'] : 0,
        policy: typeof chain['policy'] === 'string' ? chain['policy'] : null,
        rules: [],
      });
    } else if (rule) {
      const owner = chains.get(key(rule['family'], rule['table'], rule['chain']));
      owner?.rules.push({
        family: String(rule['family']),
        table: String(rule['table']),
        chain: String(rule['chain']),
        handle: Number(rule['handle']),
        expr: Array.isArray(rule['expr']) ? (rule['expr'] as Json[]) : [],
        comment: typeof rule['comment'] === 'string' ? rule['comment'] : null,
      });
    } else if (set) {
      const elem = set['elem'];
      sets.set(key(set['family'], set['table'], set['name']), Array.isArray(elem) ? elem : []);
    }
  }
  return { chains: [...chains.values()], sets };
}

interface Context {
  ruleset: NftRuleset;
  family: string;
  table: string;
}

/** What a packet field is, for one match's left-hand side. */
function fieldOf(left: Json, packet: Packet): { value: string | number | null; text: string; kind: 'port' | 'addr' | 'iface' | 'proto' | 'ct' } | false | 'unknown' {
  const o = obj(left);
  const payload = obj(o?.['payload']);
  if (payload) {
    const protocol = String(payload['protocol']);
    const field = String(payload['field']);
    if (protocol === 'tcp' || protocol === 'th') {
      if (field === 'dport') return { value: packet.dport, text: `${protocol} dport`, kind: 'port' };
      if (field === 'sport') return { value: packet.sport, text: `${protocol} sport`, kind: 'port' };
      return 'unknown';
    }
    if (protocol === 'udp' || protocol === 'sctp' || protocol === 'dccp' || protocol === 'icmp' || protocol === 'icmpv6') return false;
    if (protocol === 'ip' || protocol === 'ip6') {
      if ((protocol === 'ip') !== (packet.family === 4)) return false;
      if (field === 'saddr') return { value: packet.saddr, text: `${protocol} saddr`, kind: 'addr' };
      if (field === 'daddr') return { value: packet.daddr, text: `${protocol} daddr`, kind: 'addr' };
      if (field === 'protocol' || field === 'nexthdr') return { value: 'tcp', text: `${protocol} ${field}`, kind: 'proto' };
    }
    return 'unknown';
  }
  const meta = obj(o?.['meta']);
  if (meta) {
    const k = String(meta['key']);
    if (k === 'l4proto') return { value: 'tcp', text: 'meta l4proto', kind: 'proto' };
    if (k === 'nfproto') return { value: packet.family === 4 ? 'ipv4' : 'ipv6', text: 'meta nfproto', kind: 'proto' };
    if (k === 'iifname' || k === 'iif') return { value: packet.iif, text: k, kind: 'iface' };
    if (k === 'oifname' || k === 'oif') return { value: packet.oif, text: k, kind: 'iface' };
    return 'unknown';
  }
  const ct = obj(o?.['ct']);
  if (ct && ct['key'] === 'state') return { value: packet.ctstate, text: 'ct state', kind: 'ct' };
  return 'unknown';
}

function elementMatches(value: string | number | null, kind: string, element: Json): Tri {
  if (value === null) return false;
  const o = obj(element);
  if (o?.['range'] && Array.isArray(o['range'])) {
    const [from, to] = o['range'] as Json[];
    if (kind === 'port' && typeof value === 'number') return value >= Number(from) && value <= Number(to);
    return 'unknown';
  }
  const prefix = obj(o?.['prefix']);
  if (prefix && kind === 'addr') return matchesCidr(String(value), `${String(prefix['addr'])}/${String(prefix['len'])}`);
  if (o?.['elem']) return elementMatches(value, kind, obj(o['elem'])?.['val']);
  if (kind === 'iface' && typeof element === 'string') return matchesInterface(String(value), element);
  if (kind === 'proto') return String(element) === 'tcp' || element === 6 || String(element) === String(value);
  if (kind === 'addr' && typeof element === 'string') return matchesCidr(String(value), element);
  if (typeof element === 'number' || typeof element === 'string') return String(element) === String(value);
  return 'unknown';
}

function rightMatches(value: string | number | null, kind: string, right: Json, ctx: Context): Tri {
  if (typeof right === 'string' && right.startsWith('@')) {
    const elements = ctx.ruleset.sets.get(`${ctx.family} ${ctx.table} ${right.slice(1)}`);
    return elements ? anyOf(value, kind, elements) : 'unknown';
  }
  const o = obj(right);
  if (o && Array.isArray(o['set'])) return anyOf(value, kind, o['set'] as Json[]);
  if (Array.isArray(right)) return anyOf(value, kind, right); // flags such as ct state { established, related }
  return elementMatches(value, kind, right);
}

function anyOf(value: string | number | null, kind: string, elements: readonly Json[]): Tri {
  const results = elements.map((e) => elementMatches(value, kind, e));
  if (results.includes(true)) return true;
  return results.includes('unknown') ? 'unknown' : false;
}

/** Renders a match's right-hand side as nft prints it. */
function renderRight(right: Json): string {
  if (typeof right === 'string') return /^[\w.:/@-]+$/.test(right) ? right : JSON.stringify(right);
  if (typeof right === 'number') return String(right);
  const o = obj(right);
  if (o && Array.isArray(o['set'])) return `{ ${(o['set'] as Json[]).map(renderRight).join(', ')} }`;
  if (o && Array.isArray(o['range'])) return (o['range'] as Json[]).map(renderRight).join('-');
  const prefix = obj(o?.['prefix']);
  if (prefix) return `${String(prefix['addr'])}/${String(prefix['len'])}`;
  if (Array.isArray(right)) return right.map(renderRight).join(',');
  return '…';
}

/** One rule's result for a packet. */
interface NftMatch {
  result: Tri;
  verdict: 'accept' | 'drop' | 'reject' | 'return' | 'jump' | 'goto' | null;
  jumpTarget: string | null;
  matched: string[];
  text: string;
}

/** Evaluates one rule against a packet and renders it as text. */
export function matchNftRule(rule: NftRule, packet: Packet, ruleset: NftRuleset): NftMatch {
  const ctx: Context = { ruleset, family: rule.family, table: rule.table };
  const results: Tri[] = [];
  const matched: string[] = [];
  const parts: string[] = [];
  let verdict: NftMatch['verdict'] = null;
  let jumpTarget: string | null = null;
  for (const expr of rule.expr) {
    const o = obj(expr);
    if (!o) continue;
    const match = obj(o['match']);
    if (match) {
      const op = String(match['op']);
      const field = fieldOf(match['left'], packet);
      const rendered = `${typeof field === 'object' ? field.text : '…'} ${op === '==' || op === 'in' ? '' : `${op} `}${renderRight(match['right'])}`;
      parts.push(rendered.replace(/\s+/g, ' '));
      if (field === false) {
        results.push(op === '!=' ? true : false);
        continue;
      }
      if (field === 'unknown') {
        results.push('unknown');
        continue;
      }
      let result = rightMatches(field.value, field.kind, match['right'], ctx);
      if (op === '!=') result = result === 'unknown' ? result : !result;
      else if (op !== '==' && op !== 'in') result = 'unknown';
      results.push(result);
      if (result === true && op !== '!=' && field.kind !== 'ct' && field.kind !== 'proto') matched.push(rendered.replace(/\s+/g, ' '));
      continue;
    }
    if ('accept' in o || 'drop' in o || 'reject' in o || 'return' in o) {
      verdict = 'accept' in o ? 'accept' : 'drop' in o ? 'drop' : 'reject' in o ? 'reject' : 'return';
      parts.push(verdict);
    } else if (obj(o['jump']) || obj(o['goto'])) {
      verdict = obj(o['jump']) ? 'jump' : 'goto';
      jumpTarget = String(obj(o[verdict])!['target']);
      parts.push(`${verdict} ${jumpTarget}`);
    } else if ('xt' in o) {
      results.push('unknown');
      parts.push(`xt ${String(obj(o['xt'])?.['name'] ?? '')}`.trim());
    } else if ('counter' in o) {
      parts.push('counter');
    } else if ('log' in o || 'limit' in o) {
      parts.push(Object.keys(o)[0]!);
      if ('limit' in o) results.push('unknown');
    }
  }
  return { result: and(results), verdict, jumpTarget, matched, text: parts.join(' ') };
}

/** A rule or base-chain policy that drops the packet. */
export interface NftDrop {
  chain: NftChain;
  verdict: 'drop' | 'reject';
  rule: NftRule | null;
  text: string;
  matched: string[];
}

type Outcome = { kind: 'accept' | 'return' | 'end' } | { kind: 'drop'; drop: NftDrop };
const MAX_JUMP_DEPTH = 16;

function evaluateChain(ruleset: NftRuleset, chain: NftChain, packet: Packet, depth: number): Outcome {
  if (depth > MAX_JUMP_DEPTH) return { kind: 'end' };
  for (const rule of chain.rules) {
    const m = matchNftRule(rule, packet, ruleset);
    if (m.result === false || m.verdict === null) continue;
    if (m.verdict === 'drop' || m.verdict === 'reject') {
      if (m.result === true || m.matched.length > 0) {
        return { kind: 'drop', drop: { chain, verdict: m.verdict, rule, text: m.text, matched: m.matched } };
      }
      continue;
    }
    if (m.result !== true) continue;
    if (m.verdict === 'accept') return { kind: 'accept' };
    if (m.verdict === 'return') return { kind: 'return' };
    const target = ruleset.chains.find((c) => c.family === chain.family && c.table === chain.table && c.name === m.jumpTarget);
    if (!target) continue;
    const inner = evaluateChain(ruleset, target, packet, depth + 1);
    if (inner.kind === 'accept' || inner.kind === 'drop') return inner;
    if (m.verdict === 'goto') return { kind: 'return' };
  }
  return { kind: 'end' };
}

/**
 * The first rule or base-chain policy that drops `packet`. `skipTable`
 * leaves out tables shown better elsewhere (iptables-nft's own tables,
 * which iptables-save prints in the syntax their owner wrote them in).
 */
export function findNftDrop(ruleset: NftRuleset, packet: Packet, skipTable: (family: string, table: string) => boolean = () => false): NftDrop | null {
  const families = packet.family === 4 ? ['ip', 'inet'] : ['ip6', 'inet'];
  for (const hook of packet.hooks as Hook[]) {
    const chains = ruleset.chains
      .filter((c) => c.hook === hook && families.includes(c.family) && !skipTable(c.family, c.table))
      .sort((a, b) => a.prio - b.prio);
    for (const chain of chains) {
      const outcome = evaluateChain(ruleset, chain, packet, 0);
      if (outcome.kind === 'drop') return outcome.drop;
      if (outcome.kind === 'accept') continue;
      if (chain.policy === 'drop') return { chain, verdict: 'drop', rule: null, text: `policy drop`, matched: [] };
    }
  }
  return null;
}
