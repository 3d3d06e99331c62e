/**
 * IANA service names for a port, from the registry snapshot in
 * iana-data.ts (about 270 KB, so it is loaded only when asked for).
 */

/** One IANA assignment. */
export interface IanaService {
  name: string;
  /** `tcp`, `udp` or both. */
  protocols: Array<'tcp' | 'udp'>;
  description: string;
}

let table: Map<number, IanaService[]> | undefined;

/** Parses the registry text (`port|name|protocols|description` lines). Pure; exported for tests. */
export function parseIanaRegistry(text: string): Map<number, IanaService[]> {
  const map = new Map<number, IanaService[]>();
  for (const line of text.split('\n')) {
    if (line === '') continue;
    const [port, name, protocols, description] = line.split('|');
    const entry: IanaService = {
      name: name!,
      protocols: (protocols ?? '').split('/').filter((p): p is 'tcp' | 'udp' => p === 'tcp' || p === 'udp'),
      description: description ?? '',
    };
    const list = map.get(Number(port));
    if (list) list.push(entry);
    else map.set(Number(port), [entry]);
  }
  return map;
}

/** The IANA assignments of `port` (often none, sometimes several). */
export async function ianaServices(port: number): Promise<IanaService[]> {
  if (!table) table = parseIanaRegistry((await import('./iana-data.js')).IANA_REGISTRY);
  return table.get(port) ?? [];
}
