// Bundles the CLI into dist/cli/: one entry plus one lazily loaded chunk per
// command. Loading ~30 small ES modules costs Node 20 about 20 ms of
// resolution and compilation; a handful of bundled chunks costs a few.
// The library (dist/src, built by tsc) stays unbundled for importers.
//
// The bundle is written to a fresh folder and then renamed into place, so a
// `berth` started while another build runs finds either the old bundle or the
// new one, never an empty or half-written dist/cli.
import { build } from 'esbuild';
import { cpSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const dist = fileURLToPath(new URL('../dist/', import.meta.url));
const target = `${dist}cli`;
const fresh = `${dist}.cli-${process.pid}`;
const stale = `${dist}.cli-old-${process.pid}`;
const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'));

rmSync(fresh, { recursive: true, force: true });
try {
  await build({
    entryPoints: ['src/cli/main.ts'],
    outdir: fresh,
    bundle: true,
    splitting: true,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    packages: 'external',
    define: { __BERTH_VERSION__: JSON.stringify(pkg.version) },
    chunkNames: 'chunks/[name]-[hash]',
    logLevel: 'warning',
  });
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
