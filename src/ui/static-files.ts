/**
 * The dashboard's page, script and style sheet (src/ui/static/). They are
 * plain files next to the code: the build copies them next to the library
 * (dist/src/ui/static/) and next to the CLI bundle (dist/cli/ui-static/,
 * see scripts/bundle-cli.mjs). They are read once, when a dashboard starts.
 */
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { BerthError } from '../errors.js';

/** The files served, by URL path, with their content types. */
const FILES: Readonly<Record<string, { name: string; type: string }>> = {
  '/': { name: 'index.html', type: 'text/html; charset=utf-8' },
  '/app.js': { name: 'app.js', type: 'text/javascript; charset=utf-8' },
  // The modules app.js imports.
  ...Object.fromEntries(
    ['state', 'dom', 'api', 'table', 'live', 'tabs', 'details', 'stop'].map((m) => [`/${m}.js`, { name: `${m}.js`, type: 'text/javascript; charset=utf-8' }]),
  ),
  '/app.css': { name: 'app.css', type: 'text/css; charset=utf-8' },
};

/** The placeholder in index.html replaced by the per-run token. */
const TOKEN_PLACEHOLDER = '__BERTH_TOKEN__';

/** One file ready to send. */
export interface StaticFile {
  type: string;
  body: Buffer;
}

/**
 * Where the static folder is: next to this module (library, or sources), or
 * in dist/cli/, beside the bundled command file that runs this code (dist/cli/commands/).
 */
export function findStaticFolder(): string {
  const candidates = ['./static/', '../ui-static/'].map((rel) => fileURLToPath(new URL(rel, import.meta.url)));
  const found = candidates.find((dir) => existsSync(`${dir}index.html`));
  if (found === undefined) {
    throw new BerthError('E_PLATFORM', 'The dashboard\'s files (index.html, app.js and its modules, app.css) are missing from this berth installation.', {
      hint: 'Rebuild berth (npm run build) or reinstall it.',
      data: { looked: candidates },
    });
  }
  return found;
}

/**
 * Reads the dashboard's files and puts `token` into the page's
 * `<meta name="berth-token">`. The token is base64url: nothing to escape.
 * @throws BerthError E_PLATFORM when the files are missing.
 */
export function loadStaticFiles(token: string, folder: string = findStaticFolder()): Map<string, StaticFile> {
  if (!/^[A-Za-z0-9_-]+$/.test(token)) throw new BerthError('E_USAGE', 'The dashboard token must be base64url text.');
  const files = new Map<string, StaticFile>();
  for (const [path, { name, type }] of Object.entries(FILES)) {
    let text = readFileSync(`${folder}${name}`, 'utf8');
    if (name === 'index.html') text = text.replace(TOKEN_PLACEHOLDER, token);
    files.set(path, { type, body: Buffer.from(text) });
  }
  files.set('/index.html', files.get('/')!);
  return files;
}
