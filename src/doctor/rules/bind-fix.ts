/**
 * The exact change that makes a server listen on loopback only, for the
 * servers people run most; a plain `server.listen` line otherwise. Pure.
 */
import type { FindingFix } from '../types.js';

interface KnownServer {
  test: RegExp;
  fix: (port: number) => Omit<FindingFix, 'text'> & { how: string };
}

const KNOWN: KnownServer[] = [
  { test: /docker-proxy|rootlessport/, fix: (p) => ({ how: 'publish the port on loopback only', command: `docker run -p 127.0.0.1:${p}:${p} …` }) },
  { test: /\bvite\b/, fix: (p) => ({ how: 'start Vite on loopback', command: `vite --host 127.0.0.1 --port ${p}` }) },
  { test: /\bnext\b/, fix: (p) => ({ how: 'start Next.js on loopback', command: `next dev -H 127.0.0.1 -p ${p}` }) },
  { test: /http\.server/, fix: (p) => ({ how: "bind Python's http.server to loopback", command: `python3 -m http.server --bind 127.0.0.1 ${p}` }) },
  { test: /\bflask\b/, fix: (p) => ({ how: 'run Flask on loopback', command: `flask run --host 127.0.0.1 --port ${p}` }) },
  { test: /uvicorn/, fix: (p) => ({ how: 'run uvicorn on loopback', command: `uvicorn app:app --host 127.0.0.1 --port ${p}` }) },
  { test: /runserver/, fix: (p) => ({ how: "run Django's dev server on loopback", command: `python manage.py runserver 127.0.0.1:${p}` }) },
  { test: /\brails\b|\bpuma\b/, fix: (p) => ({ how: 'bind Rails to loopback', command: `rails server -b 127.0.0.1 -p ${p}` }) },
  { test: /redis-server/, fix: (p) => ({ how: 'bind Redis to loopback', command: `redis-server --bind 127.0.0.1 ::1 --port ${p}` }) },
  { test: /postgres|postmaster/, fix: () => ({ how: 'make PostgreSQL listen on loopback', code: "listen_addresses = 'localhost'   # postgresql.conf, then restart" }) },
  { test: /mysqld|mariadbd/, fix: () => ({ how: 'make MySQL listen on loopback', code: 'bind-address = 127.0.0.1   # my.cnf [mysqld], then restart' }) },
  { test: /mongod/, fix: (p) => ({ how: 'bind MongoDB to loopback', command: `mongod --bind_ip 127.0.0.1 --port ${p}` }) },
  { test: /\bjava\b/, fix: (p) => ({ how: 'bind the Java server to loopback', code: `server.address=127.0.0.1   # Spring Boot; or new InetSocketAddress("127.0.0.1", ${p})` }) },
  { test: /python/, fix: (p) => ({ how: 'bind the socket to loopback', code: `sock.bind(("127.0.0.1", ${p}))` }) },
];

/**
 * How to make the server behind `command` listen on `address` (a loopback
 * address) instead of every interface.
 */
export function bindFix(command: string | null, port: number, address = '127.0.0.1'): FindingFix {
  const known = command === null ? undefined : KNOWN.find((k) => k.test.test(command));
  if (known && address === '127.0.0.1') {
    const { how, ...rest } = known.fix(port);
    return { text: `Listen on loopback only: ${how}.`, ...rest };
  }
  return {
    text: `Listen on ${address} instead of every interface.`,
    code: `server.listen(${port}, '${address}')`,
  };
}
