// bench/get worker: asks one tool for ports.
//   node worker.mjs TOOL PATTERN CALLS MODE
// TOOL: berth | get-port | portfinder | detect-port | get-port-please
// PATTERN: default (no options) | preferred (ask for PREFERRED_PORT first)
// MODE: throughput — CALLS sequential calls, print {ms, ports}
//       race       — wait for "go" on stdin, make CALLS calls at once, print {ports},
//                    then stay alive (keeping any reservation) until stdin closes.
import { createInterface } from 'node:readline';

const [tool, pattern, callsText, mode] = process.argv.slice(2);
const CALLS = Number(callsText);
const PREFERRED_PORT = Number(process.env.PREFERRED_PORT ?? 4321);
const preferred = pattern === 'preferred';

async function load() {
  switch (tool) {
    case 'berth': {
      const { getPort } = await import('../../dist/src/alloc/get-port.js');
      return () => getPort(preferred ? { port: PREFERRED_PORT } : {});
    }
    case 'get-port': {
      const { default: getPort } = await import('get-port');
      return () => getPort(preferred ? { port: PREFERRED_PORT } : {});
    }
    case 'portfinder': {
      const { default: portfinder } = await import('portfinder');
      return () => portfinder.getPortPromise(preferred ? { port: PREFERRED_PORT } : {});
    }
    case 'detect-port': {
      const { detect } = await import('detect-port');
      return () => (preferred ? detect(PREFERRED_PORT) : detect());
    }
    case 'get-port-please': {
      const { getPort } = await import('get-port-please');
      return () => getPort(preferred ? { port: PREFERRED_PORT } : {});
    }
    default:
      throw new Error(`unknown tool ${tool}`);
  }
}

const call = await load();
await call(); // warm-up: module caches, the state store file
if (mode === 'throughput') {
  const ports = [];
  const start = performance.now();
  for (let i = 0; i < CALLS; i++) ports.push(await call());
  const ms = performance.now() - start;
  process.stdout.write(`${JSON.stringify({ ms, ports })}\n`);
} else {
  process.stdout.write('ready\n');
  const lines = createInterface({ input: process.stdin });
  let started = false;
  lines.on('line', async (line) => {
    if (line !== 'go' || started) return;
    started = true;
    const settled = await Promise.allSettled(Array.from({ length: CALLS }, () => call()));
    const ports = settled.filter((s) => s.status === 'fulfilled').map((s) => s.value);
    const errors = settled.filter((s) => s.status === 'rejected').map((s) => String(s.reason));
    process.stdout.write(`${JSON.stringify({ ports, errors })}\n`);
  });
  lines.on('close', () => process.exit(0));
}
