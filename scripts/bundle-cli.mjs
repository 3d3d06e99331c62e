// Bundles the CLI into dist/cli/: one entry plus one lazily loaded chunk per
// command. Loading ~30 small ES modules costs Node 20 about 20 ms of
// resolution and compilation; a handful of bundled chunks costs a few.
// The library (dist/src, built by tsc) stays unbundled for importers.
import { build } from 'esbuild';
import { readFileSync, rmSync } from 'node:fs';

const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'));
rmSync(new URL('../dist/cli', import.meta.url), { recursive: true, force: true });
await build({
  entryPoints: ['src/cli/main.ts'],
  outdir: 'dist/cli',
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
