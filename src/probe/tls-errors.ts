/**
 * What a failed TLS handshake means. Node reports certificate checks with
 * OpenSSL's verify codes (CERT_HAS_EXPIRED …), some handshake failures with
 * ERR_SSL_* codes, and others only as EPROTO with OpenSSL's reason in the
 * message ("…:SSL routines:ssl3_get_record:wrong version number:…"); the
 * reason is turned into the ERR_SSL_* code Node gives it elsewhere.
 */
import { errnoCode } from '../errors.js';

/** What went wrong, in the words a fix needs. */
export type TlsFailureKind =
  /** The other end does not speak TLS (plain HTTP on an https:// URL). */
  | 'not-tls'
  /** The certificate is not signed by a CA this machine trusts (self-signed, a private CA). */
  | 'untrusted'
  /** The certificate is not made for the name or address asked for. */
  | 'wrong-name'
  /** The certificate has expired, or is not valid yet. */
  | 'expired'
  | 'not-yet-valid'
  /** Another certificate fault (revoked, bad signature, not a CA, wrong purpose …). */
  | 'certificate'
  /** The server wants a client certificate. */
  | 'client-certificate'
  /** TLS on both ends, but no version or cipher in common, or another alert. */
  | 'handshake';

const UNTRUSTED = new Set([
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'CERT_UNTRUSTED',
]);
const WRONG_NAME = new Set(['ERR_TLS_CERT_ALTNAME_INVALID', 'HOSTNAME_MISMATCH', 'IP_ADDRESS_MISMATCH', 'EMAIL_MISMATCH']);
const NOT_TLS = new Set(['ERR_SSL_WRONG_VERSION_NUMBER', 'ERR_SSL_PACKET_LENGTH_TOO_LONG', 'ERR_SSL_HTTP_REQUEST', 'ERR_SSL_UNKNOWN_PROTOCOL', 'ERR_SSL_RECORD_LENGTH_MISMATCH']);
/** OpenSSL's X509 verify codes (X509_V_ERR_* without the prefix) that name a certificate fault. */
const CERTIFICATE = /^(CERT_|CRL_|UNABLE_TO_|ERROR_IN_C(ERT|RL)_|INVALID_(CA|PURPOSE|NON_CA|EXTENSION|POLICY_EXTENSION)|PATH_LENGTH_EXCEEDED|KEYUSAGE_NO_|SUBJECT_ISSUER_MISMATCH|AKID_|CERT_CHAIN_TOO_LONG|PROXY_)/;

/** The code to report for a TLS error: Node's own, or one made from OpenSSL's reason for a bare EPROTO; null for a non-TLS error. */
export function tlsErrorCode(error: unknown): string | null {
  const code = errnoCode(error);
  if (code === undefined) return null;
  if (code === 'EPROTO') {
    const reason = /SSL routines:[^:]*:([^:]+):/.exec(error instanceof Error ? error.message : '')?.[1];
    return reason ? `ERR_SSL_${reason.trim().toUpperCase().replace(/[^A-Z0-9]+/g, '_')}` : 'EPROTO';
  }
  return tlsFailureKind(code) === null && !/^ERR_(SSL|TLS|OSSL)_/.test(code) ? null : code;
}

/** What a TLS error code means; null when it is not one. An unknown ERR_SSL_* or a bare EPROTO is a failed handshake. */
export function tlsFailureKind(code: string): TlsFailureKind | null {
  if (NOT_TLS.has(code)) return 'not-tls';
  if (UNTRUSTED.has(code)) return 'untrusted';
  if (WRONG_NAME.has(code)) return 'wrong-name';
  if (code === 'CERT_HAS_EXPIRED' || code === 'ERROR_IN_CERT_NOT_AFTER_FIELD') return 'expired';
  if (code === 'CERT_NOT_YET_VALID' || code === 'ERROR_IN_CERT_NOT_BEFORE_FIELD') return 'not-yet-valid';
  if (CERTIFICATE.test(code)) return 'certificate';
  // TLS 1.3 servers say "certificate required"; "bad certificate" judges the client's (berth sends none).
  if (/_ALERT_(CERTIFICATE_REQUIRED|BAD_CERTIFICATE)$/.test(code)) return 'client-certificate';
  if (code === 'EPROTO' || /^ERR_(SSL|TLS|OSSL)_/.test(code)) return 'handshake';
  return null;
}
