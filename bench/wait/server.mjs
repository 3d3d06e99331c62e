// The server side of bench/wait: a long-lived child driven over IPC, so that
// its listen() happens in an otherwise idle process and is timed there.
//   { cmd: 'listen', port, host, delayMs } -> after delayMs, listen; reply { listenAt }
//   { cmd: 'close' }                        -> close it and every connection; reply { closed }
// listenAt is performance.timeOrigin + performance.now(): epoch milliseconds
// with sub-millisecond resolution, comparable with the parent's same clock.
import { createServer } from 'node:net';

let server = null;
const connections = new Set();

process.on('message', (message) => {
  if (message.cmd === 'listen') {
    setTimeout(() => {
      server = createServer((c) => {
        connections.add(c);
        c.on('error', () => {});
        c.on('close', () => connections.delete(c));
        c.resume();
      });
      server.once('error', (error) => process.send({ error: error.code }));
      server.listen({ port: message.port, host: message.host, exclusive: true }, () => {
        process.send({ listenAt: performance.timeOrigin + performance.now() });
      });
    }, message.delayMs);
  } else if (message.cmd === 'close') {
    for (const c of connections) c.destroy();
    if (!server) return process.send({ closed: true });
    server.close(() => process.send({ closed: true }));
    server = null;
  }
});
process.on('disconnect', () => process.exit(0));
