// Shared by the bench/*/run.js scripts.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** The Node that runs berth in a bench: BENCH_NODE, else the one npm runs (never a node_modules/.bin shim), else this one. */
export const DEFAULT_BENCH_NODE = process.env.BENCH_NODE ?? process.env.npm_node_execpath ?? process.execPath;

/** Prints a bench script's header comment (everything before its first import) as its --help, and exits. */
export function printHelpAndExit(scriptUrl) {
  console.log(readFileSync(fileURLToPath(scriptUrl), 'utf8').split('\nimport ')[0].replace(/^\/\/ ?/gm, ''));
  process.exit(0);
}
