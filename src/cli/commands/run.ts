/**
 * `berth run [--name web] -- <command...>`: start a dev server on its own
 * stable port, behind http://web.localhost:1355/.
 */
import { parsePort } from '../../ports/parse.js';
import { resolveProxyPort } from '../../proxy/daemon.js';
import { runApp, type ReadyApp } from '../../run/index.js';
import { BerthError } from '../../errors.js';
import { parseCommandArgs } from '../args.js';
import type { Io } from '../render/io.js';
import { renderRunReady } from '../render/run.js';
import { renderError } from '../render/error.js';

/** How long the app gets to exit after a forwarded signal before SIGKILL, in ms. */
export const STOP_GRACE_MS = 10_000;

export const help = `berth run — start a dev server on a stable port behind name.localhost

Usage: berth run [options] -- COMMAND [ARGS...]

Leases a port for the app (the same port every time for this name in this
git worktree), starts COMMAND with PORT and HOST set, and adds --port/--host
for tools that ignore PORT (Vite, Astro, React Router, Angular, Next.js,
Nuxt, Gatsby, Docusaurus, Storybook, webpack-dev-server, SvelteKit, Hugo …),
also behind a package script (npm run dev). Once the app answers, berth
routes http://NAME.localhost:1355/ to it through its proxy (started when
needed) and prints the URL. The app's output passes through and is kept in
the state folder for the proxy's error page.

The name is --name, else package.json's name, else the folder's; in a linked
git worktree the branch is put in front (fix-login.web). A name that a live
route holds is an error unless --force.

Signals (Ctrl-C, SIGTERM, SIGHUP) are passed to the app; berth exits with the
app's exit status and removes its route. If the app ignores the port and
listens elsewhere, berth finds it there and says so.

Options:
  -n, --name NAME      the route name (web → http://web.localhost:1355/)
  -p, --port PORT      ask for this port first (else the name's stable port)
  --host ADDR          the address the app should bind (default 127.0.0.1)
  --proxy-port PORT    the proxy's port (default $BERTH_PROXY_PORT or 1355)
  --no-proxy           do not route through the proxy; print the direct URL
  -f, --force          take over a name that a live route holds
  --json               print berth's own messages as JSON lines on stderr
  -h, --help           show this help

Examples:
  berth run -- npm run dev
  berth run --name api -- node server.js
  berth run -- vite`;

export async function run(args: string[], io: Io): Promise<number> {
  const { values, positionals } = parseCommandArgs('run', args, {
    name: { type: 'string', short: 'n' },
    port: { type: 'string', short: 'p' },
    host: { type: 'string' },
    'proxy-port': { type: 'string' },
    'no-proxy': { type: 'boolean' },
    force: { type: 'boolean', short: 'f' },
  });
  if (values.help) {
    io.out(help);
    return 0;
  }
  const command = args.includes('--') ? args.slice(args.indexOf('--') + 1) : positionals;
  if (command.length === 0) throw new BerthError('E_USAGE', 'berth run needs a command to start, after --.', { hint: 'berth run -- npm run dev' });
  const json = values.json === true;
  const say = (event: Record<string, unknown>, text: string[]): void => io.err(json ? JSON.stringify(event) : text);

  const app = await runApp({
    command,
    ...(values.name !== undefined ? { name: values.name } : {}),
    ...(values.port !== undefined ? { port: parsePort(values.port) } : {}),
    ...(values.host !== undefined ? { host: values.host } : {}),
    proxy: values['no-proxy'] ? false : { port: resolveProxyPort(values['proxy-port']) },
    force: values.force === true,
    stdout: io.stdoutStream(),
    stderr: io.stderrStream(),
  });

  let signals = 0;
  let killTimer: NodeJS.Timeout | undefined;
  const forward = (signal: NodeJS.Signals): void => {
    signals++;
    if (signals > 1) {
      app.stop('SIGKILL');
      return;
    }
    app.stop(signal);
    killTimer = setTimeout(() => app.stop('SIGKILL'), STOP_GRACE_MS);
    killTimer.unref();
  };
  const handlers = (['SIGINT', 'SIGTERM', 'SIGHUP'] as const).map((signal) => {
    const handler = (): void => forward(signal);
    process.on(signal, handler);
    return [signal, handler] as const;
  });

  app.ready.then(
    (ready: ReadyApp) => say({ event: 'ready', ...ready, route: undefined, proxyError: ready.proxyError?.message ?? null }, renderRunReady(ready, app.plan, io.errStyle)),
    (error: unknown) => {
      if (!(error instanceof BerthError && error.code === 'E_COMMAND_EXITED')) say({ event: 'error', message: String(error) }, renderError(error, io.errStyle));
    },
  );
  const exit = await app.exited;
  if (killTimer) clearTimeout(killTimer);
  for (const [signal, handler] of handlers) process.off(signal, handler);
  const readyState = await app.ready.then(
    () => true,
    () => false,
  );
  if (!readyState && signals === 0) {
    say({ event: 'exit', status: exit.status, ready: false, logPath: app.logPath }, [
      `${io.errStyle.red('berth:')} ${command.join(' ')} exited (status ${exit.status}) before it answered on port ${app.lease.port}.`,
      `  ${io.errStyle.dim(`Its output: ${app.logPath}`)}`,
    ]);
  } else if (json) say({ event: 'exit', status: exit.status, ready: readyState }, []);
  return exit.status;
}
