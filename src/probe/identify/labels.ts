/**
 * Human names of the protocols identification tells apart, shared by the
 * CLI's PROTOCOL column and the doctor's verdict line.
 */
import type { ProtocolId } from './index.js';

/** Short display name per protocol id. */
export const PROTOCOL_LABELS: Readonly<Record<ProtocolId, string>> = {
  http: 'HTTP',
  https: 'HTTPS',
  tls: 'TLS',
  h2c: 'HTTP/2 (h2c)',
  ssh: 'SSH',
  postgres: 'PostgreSQL',
  mysql: 'MySQL',
  redis: 'Redis',
  mongodb: 'MongoDB',
  'node-inspector': 'Node inspector',
  'chrome-devtools': 'Chrome DevTools',
  jdwp: 'JDWP',
  smtp: 'SMTP',
  unknown: 'unknown',
  'no-answer': 'no answer',
};
