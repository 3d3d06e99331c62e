/**
 * Dev servers that ignore the PORT environment variable, and the flags that
 * make them listen where berth says. `berth run` sets PORT and HOST for
 * everything, and adds these flags when it recognises the tool, directly
 * (`vite`, `npx vite`) or behind a package script (`npm run dev` whose
 * script is `vite --open`).
 */
import { readFileSync } from 'node:fs';
import { basename, join } from 'node:path';

/** How to tell one tool where to listen. */
export interface ToolFlags {
  /** The tool, for messages. */
  tool: string;
  port: (port: number) => string[];
  host: (host: string) => string[];
  /** Flags that mean the user already chose a port; berth then adds nothing. */
  portFlags: readonly string[];
}

const TOOLS: Record<string, ToolFlags> = {
  // --strictPort: fail instead of silently moving to the next port, which would break the route.
  vite: { tool: 'Vite', port: (p) => ['--port', String(p), '--strictPort'], host: (h) => ['--host', h], portFlags: ['--port'] },
  astro: { tool: 'Astro', port: (p) => ['--port', String(p)], host: (h) => ['--host', h], portFlags: ['--port'] },
  'react-router': { tool: 'React Router', port: (p) => ['--port', String(p), '--strictPort'], host: (h) => ['--host', h], portFlags: ['--port'] },
  remix: { tool: 'Remix', port: (p) => ['--port', String(p)], host: (h) => ['--host', h], portFlags: ['--port'] },
  ng: { tool: 'Angular CLI', port: (p) => ['--port', String(p)], host: (h) => ['--host', h], portFlags: ['--port'] },
  next: { tool: 'Next.js', port: (p) => ['--port', String(p)], host: (h) => ['--hostname', h], portFlags: ['--port', '-p'] },
  nuxt: { tool: 'Nuxt', port: (p) => ['--port', String(p)], host: (h) => ['--host', h], portFlags: ['--port', '-p'] },
  nuxi: { tool: 'Nuxt', port: (p) => ['--port', String(p)], host: (h) => ['--host', h], portFlags: ['--port', '-p'] },
  gatsby: { tool: 'Gatsby', port: (p) => ['--port', String(p)], host: (h) => ['--host', h], portFlags: ['--port', '-p'] },
  docusaurus: { tool: 'Docusaurus', port: (p) => ['--port', String(p)], host: (h) => ['--host', h], portFlags: ['--port'] },
  storybook: { tool: 'Storybook', port: (p) => ['--port', String(p)], host: (h) => ['--host', h], portFlags: ['--port', '-p'] },
  'webpack-dev-server': { tool: 'webpack-dev-server', port: (p) => ['--port', String(p)], host: (h) => ['--host', h], portFlags: ['--port'] },
  webpack: { tool: 'webpack serve', port: (p) => ['--port', String(p)], host: (h) => ['--host', h], portFlags: ['--port'] },
  'svelte-kit': { tool: 'SvelteKit', port: (p) => ['--port', String(p), '--strictPort'], host: (h) => ['--host', h], portFlags: ['--port'] },
  expo: { tool: 'Expo', port: (p) => ['--port', String(p)], host: () => [], portFlags: ['--port', '-p'] },
  hugo: { tool: 'Hugo', port: (p) => ['--port', String(p)], host: (h) => ['--bind', h], portFlags: ['--port', '-p'] },
};

/** Package managers whose `run SCRIPT` (or bare `SCRIPT`) runs a package.json script. */
const RUNNERS = new Set(['npm', 'pnpm', 'yarn', 'bun']);
/** Launchers that run a tool by name: `npx vite`, `pnpm exec vite`, `bunx vite`. */
const LAUNCHERS = new Set(['npx', 'bunx', 'pnpx']);

/** What berth adds to a command, and why. */
export interface CommandPlan {
  /** The command to run, flags added. */
  argv: string[];
  /** The tool recognised, or null. */
  tool: string | null;
  /** The flags added (empty when none). */
  added: string[];
}

function toolOf(word: string | undefined): ToolFlags | null {
  if (word === undefined) return null;
  return TOOLS[basename(word).replace(/\.(c|m)?js$/, '')] ?? null;
}

/** The first recognised tool among a script's words (`cross-env X=1 vite --open` → Vite). */
function toolInScript(script: string): ToolFlags | null {
  for (const word of script.split(/\s+|&&|;/)) {
    if (word === '' || /^[A-Z_][A-Z0-9_]*=/.test(word) || word === 'cross-env' || word === 'dotenv' || word === '--') continue;
    const tool = toolOf(word);
    if (tool) return tool;
    if (LAUNCHERS.has(word) || word === 'exec') continue;
    return null;
  }
  return null;
}

function readScripts(cwd: string): Record<string, string> {
  try {
    const parsed = JSON.parse(readFileSync(join(cwd, 'package.json'), 'utf8')) as { scripts?: Record<string, unknown> };
    const scripts: Record<string, string> = {};
    for (const [k, v] of Object.entries(parsed.scripts ?? {})) if (typeof v === 'string') scripts[k] = v;
    return scripts;
  } catch {
    return {};
  }
}

function hasAny(args: readonly string[], flags: readonly string[]): boolean {
  return args.some((a) => flags.includes(a) || flags.some((f) => f.startsWith('--') && a.startsWith(`${f}=`)));
}

/**
 * Adds the port and host flags `argv`'s tool needs, or returns it unchanged
 * when the tool is unknown (it gets PORT and HOST only) or the user already
 * gave a port.
 */
export function planCommand(argv: readonly string[], port: number, host: string, cwd: string = process.cwd()): CommandPlan {
  const unchanged: CommandPlan = { argv: [...argv], tool: null, added: [] };
  const [first, ...rest] = argv;
  if (first === undefined) return unchanged;
  const runner = basename(first);
  let tool: ToolFlags | null = null;
  let separator = false;
  if (RUNNERS.has(runner)) {
    const words = rest.filter((w) => !w.startsWith('-'));
    const runIndex = words[0] === 'run' || words[0] === 'run-script' ? 1 : 0;
    const verb = words[runIndex];
    if (verb === 'exec' || (runner === 'pnpm' && verb === 'dlx')) tool = toolOf(words[runIndex + 1]);
    else if (verb !== undefined) {
      const script = readScripts(cwd)[verb];
      if (script !== undefined) tool = toolInScript(script);
      else if (runner !== 'npm') tool = toolOf(verb); // `pnpm vite`, `yarn vite`: a binary of node_modules/.bin
      // npm needs `--` before arguments meant for the script; pnpm, yarn and bun pass them on.
      separator = runner === 'npm' && !rest.includes('--');
    }
  } else if (LAUNCHERS.has(runner)) tool = toolOf(rest.find((w) => !w.startsWith('-')));
  else tool = toolOf(first);
  if (tool === null || hasAny(argv, tool.portFlags)) return { ...unchanged, tool: tool?.tool ?? null };
  const added = [...tool.port(port), ...tool.host(host)];
  return { argv: [...argv, ...(separator ? ['--'] : []), ...added], tool: tool.tool, added };
}
