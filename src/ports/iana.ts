/**
 * IANA service names for a port, from the registry snapshot in
 * iana-data.ts (about 270 KB, so it is loaded only when asked for).
 */

/** One IANA assignment (a `port|name|protocols|description` line of the registry). */
export interface IanaService {
  name: string;
  /** `tcp`, `udp` or both. */
  protocols: Array<'tcp' | 'udp'>;
  description: string;
}

let registry: string | undefined;

function parseLine(line: string): IanaService {
  const [, name, protocols, description] = line.split('|');
  return {
    name: name!,
    protocols: (protocols ?? '').split('/').filter((p): p is 'tcp' | 'udp' => p === 'tcp' || p === 'udp'),
    description: description ?? '',
  };
}

/**
 * The assignments of `port` in the registry text, whose lines are sorted by
 * port: one search for the first, then the lines that follow it. Parsing
 * the whole registry into a map cost ~20 ms (and as much again in garbage
 * collection) for the one port `berth explain` asks about.
 */
export function lookUpIana(text: string, port: number): IanaService[] {
  const prefix = `${port}|`;
  const found: IanaService[] = [];
  let start = 0;
  if (!text.startsWith(prefix)) {
    const at = text.indexOf(`\n${prefix}`);
    if (at === -1) return found;
    start = at + 1;
  }
  while (start < text.length && text.startsWith(prefix, start)) {
    let end = text.indexOf('\n', start);
    if (end === -1) end = text.length;
    found.push(parseLine(text.slice(start, end)));
    start = end + 1;
  }
  return found;
}

/** The IANA assignments of `port` (often none, sometimes several). */
export async function ianaServices(port: number): Promise<IanaService[]> {
  registry ??= (await import('./iana-data.js')).IANA_REGISTRY;
  return lookUpIana(registry, port);
}
