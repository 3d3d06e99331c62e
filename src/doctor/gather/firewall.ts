/**
 * Reads the firewall (nft and iptables, when present and berth runs as
 * root) and names the rules that drop or reject a local connect to the
 * target. Read-only: `nft -j list ruleset`, `iptables-save`, `ip6tables-save`.
 */
import { execFile } from 'node:child_process';
import type { AddressFact, FirewallFacts, FirewallRuleFact } from '../types.js';
import { findIptablesDrop, parseIptablesSave, type IptDrop, type IptTable } from './firewall-iptables.js';
import { findNftDrop, parseNftJson, type NftDrop, type NftRuleset } from './firewall-nft.js';
import { connectPackets } from './firewall-packet.js';

/** What one tool printed, or why it could not. */
type ToolOutput = { ok: true; stdout: string } | { ok: false; missing: boolean; message: string };

function runTool(command: string, args: string[], timeoutMs: number): Promise<ToolOutput> {
  return new Promise((resolve) => {
    execFile(command, args, { timeout: timeoutMs, encoding: 'utf8', maxBuffer: 32 * 1024 * 1024 }, (error, stdout, stderr) => {
      if (!error) return resolve({ ok: true, stdout });
      const code = (error as NodeJS.ErrnoException).code;
      resolve({ ok: false, missing: code === 'ENOENT', message: (stderr || error.message).trim().split('\n')[0] ?? '' });
    });
  });
}

/** The raw text of each firewall tool; null where the tool is missing or failed. */
export interface FirewallDump {
  nft: string | null;
  iptables: string | null;
  ip6tables: string | null;
}

/** iptables-nft keeps its rules in these nft tables; iptables-save prints them as they were written. */
const IPTABLES_NFT_TABLES = new Set(['filter', 'nat', 'mangle', 'raw', 'security']);

function shellQuote(token: string): string {
  return /^[\w@%+=:,./-]+$/.test(token) ? token : `"${token.replace(/(["\\$`])/g, '\\$1')}"`;
}

function iptablesFact(drop: IptDrop, tool: 'iptables' | 'ip6tables'): FirewallRuleFact {
  if (drop.rule === null) {
    return {
      source: tool,
      chain: `${drop.table} ${drop.chain}`,
      rule: `${tool} -t ${drop.table} -P ${drop.chain} DROP (the chain's policy)`,
      verdict: 'drop',
      comment: null,
      deleteCommand: `${tool} -t ${drop.table} -I ${drop.chain} -i lo -j ACCEPT`,
      matched: [],
      packets: [],
    };
  }
  const args = drop.rule.args.map(shellQuote).join(' ');
  return {
    source: tool,
    chain: `${drop.table} ${drop.chain}`,
    rule: `${tool} -t ${drop.table} -A ${drop.chain} ${args}`,
    verdict: drop.verdict,
    comment: drop.comment,
    deleteCommand: `${tool} -t ${drop.table} -D ${drop.chain} ${args}`,
    matched: drop.matched,
    packets: [],
  };
}

function nftFact(drop: NftDrop): FirewallRuleFact {
  const c = drop.chain;
  const where = `${c.family} ${c.table} ${c.name}`;
  if (drop.rule === null) {
    return {
      source: 'nft',
      chain: where,
      rule: `chain ${where} { policy drop; }`,
      verdict: 'drop',
      comment: null,
      deleteCommand: `nft insert rule ${where} iifname lo accept`,
      matched: [],
      packets: [],
    };
  }
  return {
    source: 'nft',
    chain: where,
    rule: `${drop.text}${drop.rule.comment ? ` comment ${JSON.stringify(drop.rule.comment)}` : ''} # handle ${drop.rule.handle}`,
    verdict: drop.verdict,
    comment: drop.rule.comment,
    deleteCommand: `nft delete rule ${where} handle ${drop.rule.handle}`,
    matched: drop.matched,
    packets: [],
  };
}

/**
 * Finds the rules in a firewall dump that drop or reject a connect to each
 * of `addresses` on `port`. Pure: the dump is the tools' raw text.
 */
export function matchFirewall(dump: FirewallDump, addresses: readonly AddressFact[], port: number): FirewallRuleFact[] {
  const v4 = dump.iptables ? parseIptablesSave(dump.iptables) : [];
  const v6 = dump.ip6tables ? parseIptablesSave(dump.ip6tables) : [];
  let nft: NftRuleset | null = null;
  if (dump.nft) {
    try {
      nft = parseNftJson(dump.nft);
    } catch {
      nft = null;
    }
  }
  const viaNft = (text: string | null): boolean => text !== null && /\(nf_tables\)/.test(text);
  const skip = (family: string, table: string): boolean =>
    IPTABLES_NFT_TABLES.has(table) && ((family === 'ip' && viaNft(dump.iptables)) || (family === 'ip6' && viaNft(dump.ip6tables)));

  const found = new Map<string, FirewallRuleFact>();
  const add = (fact: FirewallRuleFact, label: string): void => {
    const key = `${fact.source} ${fact.rule}`;
    const existing = found.get(key) ?? fact;
    if (!existing.packets.includes(label)) existing.packets.push(label);
    found.set(key, existing);
  };
  for (const { address, family } of addresses) {
    for (const packet of connectPackets(address, family, port)) {
      const tables: IptTable[] = family === 4 ? v4 : v6;
      const ipt = findIptablesDrop(tables, packet);
      if (ipt) add(iptablesFact(ipt, family === 4 ? 'iptables' : 'ip6tables'), packet.label);
      const n = nft ? findNftDrop(nft, packet, skip) : null;
      if (n) add(nftFact(n), packet.label);
    }
  }
  return [...found.values()];
}

/**
 * Reads the firewall and matches it against a connect to `addresses:port`.
 * Pass only addresses of this machine: their packets cross lo.
 * Never throws: when the rules cannot be read, `readable` is false and
 * `reason` says why.
 */
export async function readFirewall(addresses: readonly AddressFact[], port: number, timeoutMs: number): Promise<FirewallFacts> {
  if (process.platform !== 'linux') {
    return { readable: false, reason: `firewall rules are not read on ${process.platform}`, sources: [], matches: [] };
  }
  if (typeof process.getuid === 'function' && process.getuid() !== 0) {
    return { readable: false, reason: 'reading firewall rules needs root (run doctor with sudo to check them)', sources: [], matches: [] };
  }
  const [nft, ipt, ip6t] = await Promise.all([
    runTool('nft', ['-j', 'list', 'ruleset'], timeoutMs),
    runTool('iptables-save', [], timeoutMs),
    runTool('ip6tables-save', [], timeoutMs),
  ]);
  const outputs = { nft, iptables: ipt, ip6tables: ip6t };
  const sources = Object.entries(outputs)
    .filter(([, o]) => o.ok)
    .map(([name]) => name);
  if (sources.length === 0) {
    const allMissing = [nft, ipt, ip6t].every((o) => !o.ok && o.missing);
    const failure = [nft, ipt, ip6t].find((o): o is Extract<ToolOutput, { ok: false }> => !o.ok && !o.missing);
    return {
      readable: false,
      reason: allMissing ? 'neither nft nor iptables is installed' : `the firewall could not be read: ${failure?.message ?? 'unknown error'}`,
      sources: [],
      matches: [],
    };
  }
  const dump: FirewallDump = {
    nft: nft.ok ? nft.stdout : null,
    iptables: ipt.ok ? ipt.stdout : null,
    ip6tables: ip6t.ok ? ip6t.stdout : null,
  };
  return { readable: true, reason: null, sources, matches: matchFirewall(dump, addresses, port) };
}
