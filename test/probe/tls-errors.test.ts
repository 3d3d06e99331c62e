import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createServer as createHttpServer } from 'node:http';
import { createServer as createHttpsServer, type ServerOptions } from 'node:https';
import { describe, it } from 'node:test';
import { probeHttp } from '../../src/probe/http.js';
import { tlsErrorCode, tlsFailureKind } from '../../src/probe/tls-errors.js';
import { hasOpenssl, selfSigned } from '../helpers/certificates.js';
import { close, listen } from '../helpers/net.js';

describe('tlsFailureKind / tlsErrorCode', () => {
  it('sorts the codes Node reports into what a fix needs', () => {
    const cases: Array<[string, string | null]> = [
      ['ERR_SSL_WRONG_VERSION_NUMBER', 'not-tls'],
      ['DEPTH_ZERO_SELF_SIGNED_CERT', 'untrusted'],
      ['UNABLE_TO_VERIFY_LEAF_SIGNATURE', 'untrusted'],
      ['SELF_SIGNED_CERT_IN_CHAIN', 'untrusted'],
      ['ERR_TLS_CERT_ALTNAME_INVALID', 'wrong-name'],
      ['CERT_HAS_EXPIRED', 'expired'],
      ['CERT_NOT_YET_VALID', 'not-yet-valid'],
      ['CERT_REVOKED', 'certificate'],
      ['CERT_SIGNATURE_FAILURE', 'certificate'],
      ['INVALID_PURPOSE', 'certificate'],
      ['INVALID_CA', 'certificate'],
      ['PATH_LENGTH_EXCEEDED', 'certificate'],
      ['ERR_SSL_TLSV13_ALERT_CERTIFICATE_REQUIRED', 'client-certificate'],
      ['ERR_SSL_TLSV1_ALERT_PROTOCOL_VERSION', 'handshake'],
      ['ERR_SSL_SSLV3_ALERT_HANDSHAKE_FAILURE', 'handshake'],
      ['EPROTO', 'handshake'],
      ['ECONNREFUSED', null],
      ['HPE_INVALID_CONSTANT', null],
    ];
    for (const [code, kind] of cases) assert.equal(tlsFailureKind(code), kind, code);
  });

  it("makes a code from OpenSSL's reason when Node says only EPROTO", () => {
    const error = Object.assign(new Error('write EPROTO 40F7E1B1B77F0000:error:0A00010B:SSL routines:ssl3_get_record:wrong version number:../deps/openssl/openssl/ssl/record/ssl3_record.c:354:\n'), { code: 'EPROTO' });
    assert.equal(tlsErrorCode(error), 'ERR_SSL_WRONG_VERSION_NUMBER');
    assert.equal(tlsErrorCode(Object.assign(new Error('write EPROTO'), { code: 'EPROTO' })), 'EPROTO');
    assert.equal(tlsErrorCode(Object.assign(new Error('refused'), { code: 'ECONNREFUSED' })), null);
    assert.equal(tlsErrorCode(Object.assign(new Error('x'), { code: 'CERT_HAS_EXPIRED' })), 'CERT_HAS_EXPIRED');
  });
});

describe('probeHttp names the TLS failure (real servers on loopback)', { skip: !hasOpenssl && 'openssl is not installed' }, () => {
  async function failureOf(server: ReturnType<typeof createHttpServer>): Promise<string | null> {
    const port = await listen(server, '127.0.0.1');
    try {
      const r = await probeHttp(`https://127.0.0.1:${port}/`);
      assert.equal(r.ok, false, JSON.stringify(r));
      assert.equal(!r.ok && r.reason, 'tls', JSON.stringify(r));
      return r.ok ? null : tlsFailureKind(r.code);
    } finally {
      await close(server);
    }
  }
  const tls = (extra: ServerOptions): ReturnType<typeof createHttpServer> => {
    const { cert, key } = selfSigned('localhost');
    return createHttpsServer({ cert: readFileSync(cert), key: readFileSync(key), ...extra }, (_req, res) => res.end()) as unknown as ReturnType<typeof createHttpServer>;
  };

  it('plain HTTP behind https://: not TLS', async () => {
    assert.equal(await failureOf(createHttpServer((_req, res) => res.end())), 'not-tls');
  });
  it('a server that wants a client certificate (TLS 1.3)', async () => {
    assert.equal(await failureOf(tls({ requestCert: true, rejectUnauthorized: true })), 'client-certificate');
  });
  it('a TLS 1.0-only server: no version in common', async () => {
    assert.equal(await failureOf(tls({ minVersion: 'TLSv1', maxVersion: 'TLSv1', ciphers: 'DEFAULT:@SECLEVEL=0' })), 'handshake');
  });
});
