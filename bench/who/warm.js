// Warm in-process timing of berth's library call whoIs(PORT): one long-lived
// process, driven by bench/who/run.js over IPC so that its samples are taken
// interleaved with the whole-process runs. Each message
// { port, calls, warmup } answers { ms: [...], pids: [...] }.
import { performance } from 'node:perf_hooks';

// argv[2]: the library's URL (run.js passes its snapshot of dist/src/index.js).
const { whoIs } = await import(process.argv[2] ?? new URL('../../dist/src/index.js', import.meta.url).href);

process.on('message', async ({ port, calls, warmup }) => {
  try {
    for (let i = 0; i < warmup; i++) await whoIs(String(port));
    const ms = [];
    let pids = [];
    for (let i = 0; i < calls; i++) {
      const start = performance.now();
      const result = await whoIs(String(port));
      ms.push(performance.now() - start);
      pids = result.holders.map((h) => h.process.pid);
    }
    process.send({ ms, pids });
  } catch (error) {
    process.send({ error: String(error?.stack ?? error) });
  }
});
process.on('disconnect', () => process.exit(0));
process.send({ ready: true });
