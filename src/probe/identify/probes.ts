/**
 * The client-first probes that are plain bytes on a TCP connection: what
 * each sends, when its answer is whole, and what the answer means. (TLS is
 * in tls.ts; the server-first banner wait is in index.ts.)
 */
import { recogniseBytes, unknownBytesVerdict } from './banner.js';
import {
  JDWP_HANDSHAKE,
  PG_SSL_REQUEST,
  REDIS_PROBE,
  buildMongoHello,
  isJdwpReplyComplete,
  isMongoReplyComplete,
  isPgReplyComplete,
  isRedisReplyComplete,
  parseJdwpReply,
  parseMongoReply,
  parsePgReply,
  parseRedisReply,
} from './databases.js';
import { H2C_PREFACE, h2cVerdict, parseH2Frames } from './h2c.js';
import { buildHttpRequest, httpVerdict, isHttpResponseComplete, parseDevtoolsVersion, parseHttpResponse } from './http.js';
import type { Verdict } from './verdict.js';

/** Names of the raw probes. */
export type RawProbeName = 'http' | 'devtools' | 'redis' | 'mongodb' | 'h2c' | 'jdwp' | 'postgres';

/** One raw probe. */
export interface RawProbe {
  payload(host: string, port: number): Buffer;
  /** True once the answer is whole, so the probe need not wait for a close or a timeout. */
  isComplete(data: Buffer): boolean;
  /** This probe's own reading of the answer; null hands over to the generic recogniser. */
  decide(data: Buffer): Verdict | null;
}

function decideHttp(data: Buffer): Verdict | null {
  const response = parseHttpResponse(data);
  return response === null || response === 'more' ? null : httpVerdict(response);
}

/** The raw probes, by name. */
export const RAW_PROBES: Readonly<Record<RawProbeName, RawProbe>> = {
  http: {
    payload: (host, port) => buildHttpRequest(host, port),
    isComplete: isHttpResponseComplete,
    decide: decideHttp,
  },
  devtools: {
    payload: (host, port) => buildHttpRequest(host, port, '/json/version'),
    isComplete: isHttpResponseComplete,
    decide(data) {
      const response = parseHttpResponse(data);
      if (response === null || response === 'more') return null;
      const devtools = response.status === 200 ? parseDevtoolsVersion(response.body.toString('utf8')) : null;
      if (devtools) return devtools;
      // An HTTP server, but not a debugger: the status of /json/version means nothing for GET /.
      const { followUp: _ignored, ...verdict } = httpVerdict(response);
      return { ...verdict, strength: 'weak' };
    },
  },
  redis: { payload: () => REDIS_PROBE, isComplete: isRedisReplyComplete, decide: parseRedisReply },
  mongodb: { payload: () => buildMongoHello(), isComplete: isMongoReplyComplete, decide: parseMongoReply },
  h2c: {
    payload: () => H2C_PREFACE,
    isComplete: (data) => parseH2Frames(data) !== 'more',
    decide(data) {
      const frames = parseH2Frames(data);
      return frames === null || frames === 'more' ? null : h2cVerdict(frames, 'reply');
    },
  },
  jdwp: { payload: () => JDWP_HANDSHAKE, isComplete: isJdwpReplyComplete, decide: parseJdwpReply },
  postgres: { payload: () => PG_SSL_REQUEST, isComplete: isPgReplyComplete, decide: parsePgReply },
};

/** True when the generic recogniser is already sure about `data`. */
export function isRecognised(data: Buffer): boolean {
  const known = recogniseBytes(data, 'reply');
  return known !== null && known !== 'more' && known.strength === 'sure';
}

/** Reads a probe's answer: its own parser first, then anything berth recognises, then "unknown bytes". */
export function decideReply(probe: RawProbe, data: Buffer): Verdict | null {
  if (data.length === 0) return null;
  const own = probe.decide(data);
  if (own) return own;
  const known = recogniseBytes(data, 'reply');
  if (known !== null && known !== 'more') return known;
  return unknownBytesVerdict(data, 'reply');
}
