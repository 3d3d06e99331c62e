// Bundles the CLI into dist/cli/: main.cjs (the dispatcher: help, version,
// the error boundary) and one self-contained file per command in
// dist/cli/commands/, loaded by main.cjs on demand. Node 20 pays for every ES
// module it loads (resolution, a file read, a compile): ~30 unbundled
// modules cost ~20 ms, a dozen shared chunks ~15 ms, one file per command a
// few. A command's lazily imported parts are inside its file too, evaluated
// only when used. The one large leaf, the IANA registry (src/ports/iana-data.ts),
// is built once beside them and loaded only by the commands that need it.
// The library (dist/src, built by tsc) stays unbundled ES modules for importers.
//
// The bundle is CommonJS (.cjs), loaded with require() from bin/berth.cjs: an
// ES module entry makes Node 20 start its ES module loader, ~5 ms of a 30 ms
// start-up, and each ES module costs more than a require()d file.
//
// The bundle is written to a fresh folder and then renamed into place, so a
// `berth` started while another build runs finds either the old bundle or the
// new one, never an empty or half-written dist/cli.
import { build } from 'esbuild';
import { cpSync, readdirSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const dist = fileURLToPath(new URL('../dist/', import.meta.url));
const target = `${dist}cli`;
const fresh = `${dist}.cli-${process.pid}`;
const stale = `${dist}.cli-old-${process.pid}`;
const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'));
const commandsDir = fileURLToPath(new URL('../src/cli/commands/', import.meta.url));

const common = {
  bundle: true,
  format: 'cjs',
  platform: 'node',
  target: 'node20',
  packages: 'external',
  // import('./x') of another bundle file becomes require(): no ES module loader at all.
  supported: { 'dynamic-import': false },
  outExtension: { '.js': '.cjs' },
  // The sources are ES modules: strict, and import.meta.url is this file's URL. The banner
  // comes before esbuild's own "use strict", which is then no directive: it says it first.
  define: { __BERTH_VERSION__: JSON.stringify(pkg.version), 'import.meta.url': '__berthModuleUrl' },
  banner: { js: '"use strict";\nconst __berthModuleUrl = require("node:url").pathToFileURL(__filename).href;' },
  logLevel: 'warning',
};

/** Leaves `import('./commands/NAME.js')` in main.cjs to load commands/NAME.cjs: each command is its own file. */
const commandsApart = {
  name: 'commands-apart',
  setup(b) {
    b.onResolve({ filter: /^\.\/commands\/[a-z-]+\.js$/ }, (args) => (args.importer.endsWith('main.ts') ? { path: args.path.replace(/\.js$/, '.cjs'), external: true } : undefined));
  },
};

/** Points every command at the one shared copy of the IANA registry, dist/cli/iana-data.cjs. */
const ianaApart = {
  name: 'iana-apart',
  setup(b) {
    b.onResolve({ filter: /\/iana-data\.js$/ }, () => ({ path: '../iana-data.cjs', external: true }));
  },
};

rmSync(fresh, { recursive: true, force: true });
try {
  const commands = readdirSync(commandsDir).filter((f) => f.endsWith('.ts')).map((f) => `${commandsDir}${f}`);
  await Promise.all([
    build({ ...common, entryPoints: ['src/cli/main.ts'], outfile: `${fresh}/main.cjs`, plugins: [commandsApart] }),
    build({ ...common, entryPoints: commands, outdir: `${fresh}/commands`, plugins: [ianaApart] }),
    build({ ...common, entryPoints: ['src/ports/iana-data.ts'], outfile: `${fresh}/iana-data.cjs` }),
  ]);
  // The dashboard's page, script and style (berth ui) are files read at run time, not modules:
  // beside the bundle, and beside the library that tsc builds into dist/src (src/ui/static-files.ts).
  const uiStatic = fileURLToPath(new URL('../src/ui/static/', import.meta.url));
  cpSync(uiStatic, `${fresh}/ui-static`, { recursive: true });
  cpSync(uiStatic, `${dist}src/ui/static`, { recursive: true });
} catch (error) {
  rmSync(fresh, { recursive: true, force: true });
  throw error;
}
// Another build may swap its own bundle in between these steps: try again.
for (let attempt = 1; ; attempt++) {
  try {
    renameSync(target, stale);
  } catch (error) {
    if (error.code !== 'ENOENT') throw error; // ENOENT: first build, or another build moved it aside
  }
  try {
    renameSync(fresh, target);
    break;
  } catch (error) {
    if (!['ENOTEMPTY', 'EEXIST'].includes(error.code) || attempt === 5) throw error;
  } finally {
    rmSync(stale, { recursive: true, force: true });
  }
}
