/**
 * The berth CLI: dispatch, the one error boundary, exit codes.
 * 0 done · 1 the answer is "no" or the action failed · 2 the command line was wrong.
 *
 * Commands are loaded on demand so that `berth --version` stays as cheap as
 * starting Node itself.
 */
import { readFileSync } from 'node:fs';
import { BerthError, isBerthError, USAGE_ERROR_CODES } from '../errors.js';
import { processIo, toJson, type Io } from './render/io.js';

interface CommandModule {
  run(args: string[], io: Io): Promise<number>;
  help: string;
}

const COMMANDS: Record<string, { summary: string; load: () => Promise<CommandModule> }> = {
  ls: { summary: 'every listening socket and who holds it (the default)', load: () => import('./commands/ls.js') },
  who: { summary: 'which process holds a port: berth who 3000', load: () => import('./commands/who.js') },
  kill: { summary: 'stop what holds a port, safely: berth kill 3000', load: () => import('./commands/kill.js') },
  explain: { summary: 'what a port number means here: berth explain 6000', load: () => import('./commands/explain.js') },
  identify: { summary: 'what speaks on a port (HTTP, TLS, Redis …): berth identify 5432', load: () => import('./commands/identify.js') },
  doctor: { summary: 'why a port does not answer, and the fix: berth doctor localhost:3000', load: () => import('./commands/doctor.js') },
  wait: { summary: 'wait until a port or URL is ready: berth wait 3000 -- npm run dev', load: () => import('./commands/wait.js') },
  get: { summary: 'print a free port nobody else gets: PORT=$(berth get)', load: () => import('./commands/get.js') },
  leases: { summary: 'the ports berth has leased or reserved', load: () => import('./commands/leases.js') },
  release: { summary: 'end a port lease: berth release web', load: () => import('./commands/release.js') },
  run: { summary: 'start a dev server behind name.localhost: berth run -- npm run dev', load: () => import('./commands/run.js') },
  serve: { summary: 'serve a folder over HTTP on loopback: berth serve dist', load: () => import('./commands/serve.js') },
  forward: { summary: 'forward TCP: berth forward 62893 [::1]:5432', load: () => import('./commands/forward.js') },
  watch: { summary: 'listeners opening and closing, live: berth watch', load: () => import('./commands/watch.js') },
  history: { summary: 'who held a port, and when: berth history 3000 --since today', load: () => import('./commands/history.js') },
  daemon: { summary: 'record port history in the background: berth daemon start', load: () => import('./commands/daemon.js') },
  proxy: { summary: 'the NAME.localhost reverse proxy: berth proxy start', load: () => import('./commands/proxy.js') },
  routes: { summary: 'the NAME.localhost routes and where they go', load: () => import('./commands/routes.js') },
  alias: { summary: 'route NAME.localhost to a port: berth alias pgadmin 5050', load: () => import('./commands/alias.js') },
  ui: { summary: 'the ports of this machine in a web page, live: berth ui --open', load: () => import('./commands/ui.js') },
};

const ALIASES: Record<string, string> = { list: 'ls', stop: 'kill', free: 'kill' };

/** Set by the CLI bundler (scripts/bundle-cli.mjs); undefined when run from tsc output. */
declare const __BERTH_VERSION__: string | undefined;

function version(): string {
  if (typeof __BERTH_VERSION__ === 'string') return __BERTH_VERSION__;
  const pkg = JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as { version: string };
  return pkg.version;
}

/** The help's sections; a command missing here is listed under "more". */
const GROUPS: ReadonlyArray<[string, readonly string[]]> = [
  ['See', ['ls', 'who', 'explain', 'identify', 'watch', 'history', 'daemon', 'ui']],
  ['Fix', ['kill', 'doctor']],
  ['Allocate', ['get', 'leases', 'release', 'wait']],
  ['Run and route', ['run', 'proxy', 'routes', 'alias', 'serve', 'forward']],
];

function commandList(): string {
  const width = Math.max(...Object.keys(COMMANDS).map((c) => c.length));
  const line = (name: string): string => `  ${name.padEnd(width)}  ${COMMANDS[name]!.summary}`;
  const listed = new Set(GROUPS.flatMap(([, names]) => names));
  const sections = GROUPS.map(([title, names]) => [`${title}:`, ...names.filter((n) => n in COMMANDS).map(line)].join('\n'));
  const more = Object.keys(COMMANDS).filter((n) => !listed.has(n));
  if (more.length > 0) sections.push(['More:', ...more.map(line)].join('\n'));
  return sections.join('\n\n');
}

function usage(): string {
  return `berth — see, free and understand the ports of this machine

Usage: berth [COMMAND] [options]

${commandList()}

  berth PORT is short for berth who PORT.

Every command takes --json and --help. Ports: 3000, :3000, 127.0.0.1:3000,
[::1]:3000, localhost:3000 or a URL. Durations: 500ms, 5s, 2m (a bare number is seconds).

Examples:
  berth                          what is listening, and who holds it
  berth who 3000                 who holds port 3000
  berth kill 3000                stop it, then check the port is free
  berth ls --exposed             what the network can reach
  berth doctor localhost:3000    why it does not answer, and the fix
  PORT=$(berth get) npm start    a free port no other process gets
  berth run -- npm run dev       the dev server at http://NAME.localhost:1355/

berth ${version()} · berth COMMAND --help for details`;
}

function editDistance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let previous = row[0]!;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const saved = row[j]!;
      row[j] = Math.min(row[j]! + 1, row[j - 1]! + 1, previous + (a[i - 1] === b[j - 1] ? 0 : 1));
      previous = saved;
    }
  }
  return row[b.length]!;
}

function unknownCommand(name: string): BerthError {
  const candidates = [...Object.keys(COMMANDS), ...Object.keys(ALIASES)];
  const best = candidates.map((c) => ({ c, d: editDistance(name, c) })).sort((x, y) => x.d - y.d)[0];
  const suggestion = best && best.d <= 2 ? `Did you mean: berth ${ALIASES[best.c] ?? best.c}` : 'See: berth --help';
  return new BerthError('E_USAGE', `Unknown command "${name}".`, { hint: suggestion, data: { command: name } });
}

/** Runs berth with `argv` (without node and script); returns the exit code. */
export async function runCli(argv: string[], io: Io): Promise<number> {
  // Only berth's own flags count: `berth wait 3000 -- tool --json` is not asking berth for JSON.
  const own = argv.includes('--') ? argv.slice(0, argv.indexOf('--')) : argv;
  const json = own.includes('--json');
  try {
    const first = argv[0];
    if (first === '--version' || first === '-V' || first === 'version') {
      io.out(version());
      return 0;
    }
    if (first === '--help' || first === '-h' || first === 'help') {
      const topic = argv[1];
      if (first === 'help' && topic !== undefined) {
        const name = ALIASES[topic] ?? topic;
        const command = COMMANDS[name];
        if (!command) throw unknownCommand(topic);
        io.out((await command.load()).help);
        return 0;
      }
      io.out(usage());
      return 0;
    }
    let name = 'ls';
    let rest = argv;
    if (first !== undefined && !first.startsWith('-')) {
      const resolved = ALIASES[first] ?? first;
      if (COMMANDS[resolved]) {
        name = resolved;
        rest = argv.slice(1);
      } else if (/^[:\[\d]|^[a-z][a-z0-9+.-]*:\/\/|^[\w.-]+:\d/i.test(first)) {
        name = 'who'; // berth 3000, berth :3000, berth localhost:3000
      } else {
        throw unknownCommand(first);
      }
    }
    const command = await COMMANDS[name]!.load();
    return await command.run(rest, io);
  } catch (error) {
    const code = isBerthError(error) && USAGE_ERROR_CODES.has(error.code) ? 2 : 1;
    if (json && isBerthError(error)) {
      io.out(toJson({ error }));
    } else {
      const { renderError } = await import('./render/error.js');
      io.err(renderError(error, io.errStyle));
    }
    return code;
  }
}

/** Entry point used by bin/berth.cjs. */
export async function main(argv: string[]): Promise<void> {
  process.exitCode = await runCli(argv, processIo());
}
