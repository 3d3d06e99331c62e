/**
 * `explainPort()`: what a port number means on this machine, and who holds it now.
 */
import { whoIs, type WhoResult } from '../inventory/index.js';
import { ephemeralRange, portFacts, unprivilegedFloor, type PortFacts } from '../ports/facts.js';
import { ianaServices, type IanaService } from '../ports/iana.js';
import { parsePort, type PortRange } from '../ports/parse.js';

/** Everything berth can say about one port number. */
export interface PortExplanation {
  facts: PortFacts;
  /** IANA assignments for the number (any protocol). */
  iana: IanaService[];
  /** This machine's ephemeral range and unprivileged floor, behind `facts`. */
  machine: { ephemeralRange: PortRange; unprivilegedFloor: number };
  /** Who holds it now (TCP and UDP, both families). */
  holders: WhoResult;
}

/**
 * Explains a port number: IANA range and names, ephemeral/privileged/browser
 * facts for this machine, and its current holders.
 * @throws BerthError E_PORT_INVALID for anything but 1–65535.
 */
export async function explainPort(port: number | string): Promise<PortExplanation> {
  const number = typeof port === 'number' ? parsePort(String(port)) : parsePort(port);
  const [iana, holders] = await Promise.all([ianaServices(number), whoIs(String(number))]);
  return {
    facts: portFacts(number),
    iana,
    machine: { ephemeralRange: ephemeralRange(), unprivilegedFloor: unprivilegedFloor() },
    holders,
  };
}
