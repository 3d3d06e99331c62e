/**
 * The dashboard's page, script and style sheet (src/ui/static/). They are
 * plain files next to the code: the build copies them next to the library
 * (dist/src/ui/static/) and next to the CLI bundle (dist/cli/ui-static/,
 * see scripts/bundle-cli.mjs). They are read once, when a dashboard starts.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { extname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { BerthError } from '../errors.js';

/** Content types of the files served, by extension: the page, its script modules, its style. */
const TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
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
  // Every file of the folder (app.js and the modules it imports, app.css, index.html); nothing else is served.
  for (const name of readdirSync(folder)) {
    const type = TYPES[extname(name)];
    if (type === undefined) continue;
    let text = readFileSync(`${folder}${name}`, 'utf8');
    if (name === 'index.html') text = text.replace(TOKEN_PLACEHOLDER, token);
    files.set(`/${name}`, { type, body: Buffer.from(text) });
  }
  files.set('/', files.get('/index.html')!);
  return files;
}
