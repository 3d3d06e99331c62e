/**
 * The pages the proxy answers with itself: unknown name (404, the live
 * routes), app down (502, why and the app's last output), loop (508). Every
 * value from outside (names, commands, log lines, the Host header) is
 * HTML-escaped: the log of an app is arbitrary text.
 */
import { formatHostPort } from '../ports/parse.js';
import type { RouteRecord } from '../state/routes.js';
import { routeUrl } from './names.js';

/** Escapes text for HTML element content and double-quoted attributes. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => (c === '&' ? '&amp;' : c === '<' ? '&lt;' : c === '>' ? '&gt;' : c === '"' ? '&quot;' : '&#39;'));
}

const STYLE = `body{font:15px/1.5 system-ui,sans-serif;max-width:52rem;margin:3rem auto;padding:0 1rem;color:#222}
h1{font-size:1.4rem}code,pre{font:13px/1.45 ui-monospace,monospace}pre{background:#f4f4f4;padding:.8rem;overflow:auto;white-space:pre-wrap}
table{border-collapse:collapse}td,th{text-align:left;padding:.2rem 1rem .2rem 0}.dim{color:#777}li{margin:.3rem 0}`;

function page(title: string, body: string): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width">
<title>${escapeHtml(title)}</title><style>${STYLE}</style></head>
<body>
${body}
<p class="dim">berth proxy</p>
</body></html>
`;
}

function routeRows(routes: readonly RouteRecord[], proxyPort: number): string {
  if (routes.length === 0) return '<p>No routes yet. Start an app with <code>berth run -- npm run dev</code>, or add one with <code>berth alias NAME PORT</code>.</p>';
  const rows = routes
    .map((route) => {
      const url = routeUrl(route.name, proxyPort);
      const what = route.kind === 'alias' ? 'alias' : (route.command ?? 'berth run');
      return `<tr><td><a href="${escapeHtml(url)}">${escapeHtml(url)}</a></td><td><code>${escapeHtml(formatHostPort(route.host, route.port))}</code></td><td class="dim">${escapeHtml(what)}</td></tr>`;
    })
    .join('\n');
  return `<table><tr><th>URL</th><th>app</th><th></th></tr>\n${rows}\n</table>`;
}

/** The 404 page: the name is not routed; lists the live routes. */
export function renderNotFoundPage(host: string | undefined, routes: readonly RouteRecord[], proxyPort: number): string {
  const asked = host === undefined || host === '' ? 'this host' : host;
  return page(
    `No app at ${asked}`,
    `<h1>No app is routed at <code>${escapeHtml(asked)}</code></h1>
<p>berth's proxy routes <code>NAME.localhost</code> to the apps started with <code>berth run</code> and the aliases added with <code>berth alias</code>.</p>
<h2>Live routes</h2>
${routeRows(routes, proxyPort)}`,
  );
}

/** Why an app did not answer, for {@link renderDownPage}. */
export interface DownExplanation {
  /** One line: what went wrong (`Nothing listens on 127.0.0.1:5173.`). */
  headline: string;
  /** Further facts, one sentence each. */
  reasons: string[];
  /** Findings of `berth doctor`, when it could run: title, message and the fix. */
  findings: Array<{ title: string; message: string; fix: string | null }>;
  /** The app's last lines of output, when its log is known. */
  logTail: string[] | null;
  /** The log file those lines come from. */
  logPath: string | null;
}

/** The 502 page: the route exists but the app did not answer. */
export function renderDownPage(route: RouteRecord, down: DownExplanation): string {
  const target = formatHostPort(route.host, route.port);
  const reasons = down.reasons.length > 0 ? `<ul>${down.reasons.map((r) => `<li>${escapeHtml(r)}</li>`).join('')}</ul>` : '';
  const findings =
    down.findings.length > 0
      ? `<h2>berth doctor</h2><ul>${down.findings
          .map((f) => `<li><b>${escapeHtml(f.title)}</b>: ${escapeHtml(f.message)}${f.fix ? `<br><span class="dim">Fix:</span> ${escapeHtml(f.fix)}` : ''}</li>`)
          .join('')}</ul>`
      : '';
  const log =
    down.logTail !== null
      ? `<h2>Last lines of the app's output</h2>${down.logPath ? `<p class="dim">${escapeHtml(down.logPath)}</p>` : ''}<pre>${
          down.logTail.length > 0 ? escapeHtml(down.logTail.join('\n')) : '<span class="dim">(empty)</span>'
        }</pre>`
      : '';
  const what = route.command ? `<p>Started with <code>${escapeHtml(route.command)}</code>${route.cwd ? ` in <code>${escapeHtml(route.cwd)}</code>` : ''}.</p>` : '';
  return page(
    `${route.name}.localhost is down`,
    `<h1><code>${escapeHtml(route.name)}.localhost</code> did not answer</h1>
<p>${escapeHtml(down.headline)}</p>
${reasons}
${what}
<p class="dim">Route: ${escapeHtml(route.name)}.localhost → ${escapeHtml(target)} (${route.kind === 'alias' ? 'alias' : 'berth run'}). Check with <code>berth doctor ${escapeHtml(target)}</code>.</p>
${findings}
${log}`,
  );
}

/** The 508 page: the request already went through this proxy for the same route. */
export function renderLoopPage(name: string, hops: readonly string[]): string {
  return page(
    'Loop detected',
    `<h1>Loop detected</h1>
<p>This request for <code>${escapeHtml(name)}.localhost</code> already went through berth's proxy (${escapeHtml(hops.join(' → '))}).</p>
<p>An app that proxies to another <code>.localhost</code> app must rewrite the Host header (Vite: <code>changeOrigin: true</code>), or it sends the request back to itself.</p>`,
  );
}
