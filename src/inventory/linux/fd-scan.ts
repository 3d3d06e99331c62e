/**
 * Maps socket inodes to the processes that hold them, by reading the
 * `socket:[INODE]` links in /proc/<pid>/fd (proc(5)). This is what lsof, ss -p
 * and fuser do; it needs no binary and works in slim containers.
 *
 * The scan is one readdir per process and one readlink per open fd, about
 * 5 µs of kernel time each: 1,000 processes with 18,000 fds cost ~110 ms of
 * CPU whatever the language. Nothing cheaper tells a socket fd from another
 * (the fd directory's entries are all symlinks), and every holder must be
 * found (forked children share the socket), so the scan cannot stop early.
 * What it can do is use a second core: {@link startSocketHolderScan} starts a
 * helper thread before the caller reads /proc/net, and both threads take
 * pids from one shared counter until none is left. The answer is the same
 * with or without the helper; only the time differs.
 */
import { availableParallelism } from 'node:os';
import * as fs from 'node:fs';
import { createRequire } from 'node:module';
import type { Worker } from 'node:worker_threads';
import { listPids } from '../../processes/linux.js';

/** Result of one scan of /proc. */
export interface FdScan {
  /** Socket inode → pids holding it (each pid once, ascending). */
  holders: Map<number, number[]>;
  /** Pids whose fd table could not be read (another user's process, no root). */
  unreadablePids: number[];
}

// Slots of the shared control array.
const NEXT = 0; // index of the next unclaimed pid
const HELPER = 1; // the helper thread's state, below
const HELPER_IDLE = 0;
const HELPER_RUNNING = 1;
const HELPER_CANCELLED = 2;

/**
 * Below this many processes the scan takes less time than a helper thread
 * needs to start (~30 ms), so it runs on the calling thread alone.
 */
const PARALLEL_MIN_PIDS = 300;

type ScanFs = Pick<typeof fs, 'readdirSync' | 'readlinkSync'>;

/**
 * The scan loop shared by the calling thread and the helper thread: claims
 * pids from `control[0]` a few at a time and appends `inode, pid` pairs to
 * `pairs` (every socket when `wanted` is null).
 *
 * It is also the helper thread's code, sent as source text (see
 * {@link startSocketHolderScan}), so it must not use anything from outside
 * its parameters: no imports, no module constants.
 */
function scanClaimedPids(
  fsApi: ScanFs,
  procRoot: string,
  pids: Int32Array,
  control: Int32Array,
  wanted: ReadonlySet<number> | null,
  pairs: number[],
  unreadable: number[],
): void {
  const CLAIM = 4; // pids per claim: few enough to balance, enough to keep atomics rare
  for (;;) {
    const first = Atomics.add(control, 0, CLAIM);
    if (first >= pids.length) return;
    const last = Math.min(first + CLAIM, pids.length);
    for (let i = first; i < last; i++) {
      const pid = pids[i]!;
      const fdDir = `${procRoot}/${pid}/fd/`;
      let fds: string[];
      try {
        fds = fsApi.readdirSync(fdDir);
      } catch (error) {
        // EACCES: another user's process; ENOENT: it exited while we looked.
        if ((error as { code?: string }).code === 'EACCES') unreadable.push(pid);
        continue;
      }
      for (const fd of fds) {
        let link: string;
        try {
          link = fsApi.readlinkSync(fdDir + fd);
        } catch (error) {
          // EACCES here, even for root, under ptrace restrictions (Yama, LSMs, a
          // sandbox's init): the fd list is visible but its targets are not.
          if ((error as { code?: string }).code === 'EACCES') {
            unreadable.push(pid);
            break;
          }
          continue; // closed between readdir and readlink
        }
        // "socket:[12345]"; 115 is "s", which starts no other kind of link target worth a closer look.
        if (link.charCodeAt(0) !== 115 || !link.startsWith('socket:[')) continue;
        const inode = Number(link.slice(8, -1));
        if (wanted === null || wanted.has(inode)) pairs.push(inode, pid);
      }
    }
  }
}

/**
 * True unless the machine is busy: a helper thread only pays for its start-up
 * (~30 ms of CPU) when it gets a core of its own. /proc/loadavg's fourth field
 * counts the threads runnable right now (proc(5)), this one included.
 */
function spareCoreLikely(procRoot: string, cores: number): boolean {
  try {
    const running = Number.parseInt(fs.readFileSync(`${procRoot}/loadavg`, 'latin1').split(' ')[3] ?? '', 10);
    return !(running > cores);
  } catch {
    return true;
  }
}

/** The helper thread: runs the same loop unless the caller already finished without it. */
const HELPER_SOURCE = `
const { workerData, parentPort } = require('node:worker_threads');
const scan = (${scanClaimedPids.toString()});
const { procRoot, pids, control } = workerData;
if (Atomics.compareExchange(control, ${HELPER}, ${HELPER_IDLE}, ${HELPER_RUNNING}) === ${HELPER_IDLE}) {
  const pairs = [];
  const unreadable = [];
  scan(require('node:fs'), procRoot, pids, control, null, pairs, unreadable);
  const packed = Float64Array.from(pairs);
  parentPort.postMessage({ pairs: packed, unreadable }, [packed.buffer]);
} else {
  parentPort.postMessage(null);
}
`;

interface HelperReply {
  pairs: Float64Array;
  unreadable: number[];
}

/** A scan under way: its helper thread may already be reading fd tables. */
export interface PendingScan {
  /**
   * Scans the remaining processes on the calling thread, waits for the
   * helper, and returns the holders of the `wanted` inodes (every socket
   * inode when omitted).
   */
  finish(wanted?: ReadonlySet<number>): Promise<FdScan>;
  /** Gives the scan up (nothing to look for after all); stops the helper. */
  cancel(): void;
}

function collect(pairs: ArrayLike<number>, wanted: ReadonlySet<number> | undefined, into: Map<number, number[]>): void {
  for (let i = 0; i < pairs.length; i += 2) {
    const inode = pairs[i]!;
    if (wanted && !wanted.has(inode)) continue;
    const pid = pairs[i + 1]!;
    const list = into.get(inode);
    if (list === undefined) into.set(inode, [pid]);
    else if (!list.includes(pid)) list.push(pid); // one process may hold a socket on several fds
  }
}

function toScan(pairs: ArrayLike<number>, extraPairs: ArrayLike<number> | null, unreadable: number[], wanted?: ReadonlySet<number>): FdScan {
  const holders = new Map<number, number[]>();
  collect(pairs, wanted, holders);
  if (extraPairs) collect(extraPairs, wanted, holders);
  for (const list of holders.values()) if (list.length > 1) list.sort((a, b) => a - b);
  return { holders, unreadablePids: [...new Set(unreadable)].sort((a, b) => a - b) };
}

function startHelper(procRoot: string, pids: Int32Array, control: Int32Array): { worker: Worker; reply: Promise<HelperReply | null> } | null {
  let worker: Worker;
  try {
    // Loaded only when a helper starts (node:worker_threads costs ~2 ms to load).
    const { Worker } = createRequire(import.meta.url)('node:worker_threads') as typeof import('node:worker_threads');
    worker = new Worker(HELPER_SOURCE, {
      eval: true,
      workerData: { procRoot, pids, control },
      // The helper only reads /proc: no need for a copy of the environment.
      env: {},
    });
  } catch {
    return null; // no threads here (resource limits): the calling thread scans alone
  }
  const reply = new Promise<HelperReply | null>((resolve, reject) => {
    worker.once('message', (message: HelperReply | null) => resolve(message));
    worker.once('error', reject);
    worker.once('exit', (code) => reject(new Error(`fd scan helper exited with code ${code}`)));
  });
  reply.catch(() => {}); // handled in finish(); never an unhandled rejection
  return { worker, reply };
}

/**
 * Scans the processes started after the pid list was taken (a prefork
 * server's new child sharing its listener, a server started while berth
 * read /proc/net), on the calling thread: one more readdir of /proc, and
 * usually nothing new.
 */
function scanNewPids(procRoot: string, known: ArrayLike<number>, wanted: ReadonlySet<number> | null, pairs: number[], unreadable: number[]): void {
  const seen = new Set(Array.from(known));
  const fresh = listPids(procRoot).filter((pid) => !seen.has(pid));
  if (fresh.length > 0) scanClaimedPids(fs, procRoot, Int32Array.from(fresh), new Int32Array(2), wanted, pairs, unreadable);
}

/** How {@link startSocketHolderScan} runs. */
export interface ScanOptions {
  /** Where proc(5) is mounted. */
  procRoot?: string;
  /**
   * `auto` (default): a helper thread when there are many processes, more
   * than one core, and the machine is not busy. `always` / `never`: regardless. `alone`: the helper scans
   * every process and the caller only waits (to test the helper by itself).
   */
  helper?: 'auto' | 'always' | 'never' | 'alone';
}

/**
 * Starts scanning every process's fd table for sockets. On a machine with
 * many processes and more than one core, a helper thread starts right away
 * and scans while the caller does other work (reading /proc/net); call
 * {@link PendingScan.finish} with the inodes to look for, or
 * {@link PendingScan.cancel} when there are none.
 */
export function startSocketHolderScan(options: ScanOptions = {}): PendingScan {
  const procRoot = options.procRoot ?? '/proc';
  const mode = options.helper ?? 'auto';
  const list = listPids(procRoot);
  const pids = new Int32Array(new SharedArrayBuffer(list.length * Int32Array.BYTES_PER_ELEMENT));
  pids.set(list);
  const control = new Int32Array(new SharedArrayBuffer(2 * Int32Array.BYTES_PER_ELEMENT));
  let wantHelper = mode !== 'never';
  if (mode === 'auto') {
    const cores = availableParallelism();
    wantHelper = list.length >= PARALLEL_MIN_PIDS && cores > 1 && spareCoreLikely(procRoot, cores);
  }
  const helper = wantHelper ? startHelper(procRoot, pids, control) : null;
  let done = false;

  const stopHelper = (): boolean => {
    // True when the helper never started scanning: none of the work is in its hands.
    const stopped = Atomics.compareExchange(control, HELPER, HELPER_IDLE, HELPER_CANCELLED) === HELPER_IDLE;
    if (stopped) void helper?.worker.terminate();
    return stopped;
  };

  return {
    async finish(wanted?: ReadonlySet<number>): Promise<FdScan> {
      if (done) throw new Error('scan already finished');
      done = true;
      if (wanted && wanted.size === 0) {
        if (helper) stopHelper();
        return { holders: new Map(), unreadablePids: [] };
      }
      const pairs: number[] = [];
      const unreadable: number[] = [];
      if (!(helper && mode === 'alone')) {
        scanClaimedPids(fs, procRoot, pids, control, wanted ?? null, pairs, unreadable);
        scanNewPids(procRoot, list, wanted ?? null, pairs, unreadable);
        if (!helper || stopHelper()) return toScan(pairs, null, unreadable, wanted);
      }
      try {
        const reply = await helper.reply;
        if (reply === null) return toScan(pairs, null, unreadable, wanted); // it saw the cancellation first
        return toScan(pairs, reply.pairs, [...unreadable, ...reply.unreadable], wanted);
      } catch {
        // The helper failed (or died mid-scan): what it claimed is unknown, so scan everything here.
        control[NEXT] = 0;
        const again: number[] = [];
        const unreadableAgain: number[] = [];
        scanClaimedPids(fs, procRoot, pids, control, wanted ?? null, again, unreadableAgain);
        scanNewPids(procRoot, list, wanted ?? null, again, unreadableAgain);
        return toScan(again, null, unreadableAgain, wanted);
      }
    },
    cancel(): void {
      if (done) return;
      done = true;
      if (helper && !stopHelper()) void helper.worker.terminate();
    },
  };
}

/**
 * Scans every process's fd table (or only those of `options.pids`) for the
 * given socket inodes, on the calling thread only (see
 * {@link startSocketHolderScan} for the parallel scan of every process).
 * @param wanted inodes to look for; when omitted, every socket inode is recorded.
 */
export function scanSocketHolders(wanted?: ReadonlySet<number>, options: { procRoot?: string; pids?: readonly number[] } = {}): FdScan {
  if (wanted && wanted.size === 0) return { holders: new Map(), unreadablePids: [] };
  const procRoot = options.procRoot ?? '/proc';
  const list = options.pids ?? listPids(procRoot);
  const pids = Int32Array.from(list);
  const control = new Int32Array(2);
  const pairs: number[] = [];
  const unreadable: number[] = [];
  scanClaimedPids(fs, procRoot, pids, control, wanted ?? null, pairs, unreadable);
  return toScan(pairs, null, unreadable, wanted);
}
