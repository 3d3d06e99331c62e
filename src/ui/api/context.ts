/**
 * What every dashboard handler gets: the live feed, the state folder, the
 * per-run token and the addresses it needs to build links.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { LiveFeed } from '../live-feed.js';

/** Shared by the handlers of one dashboard. */
export interface UiContext {
  feed: LiveFeed;
  /** The state folder (history, routes, leases). */
  home: string;
  /** The per-run token state-changing requests must carry. */
  token: string;
  /** The port of the `name.localhost` proxy, for route links. */
  proxyPort: number;
}

/** A handler of one API route; `params` are the route pattern's captures. */
export type ApiHandler = (req: IncomingMessage, res: ServerResponse, context: UiContext, params: string[]) => Promise<void> | void;
