// What a failed TLS handshake means for the person fixing the connection. gRPC reports it as
// UNAVAILABLE with OpenSSL's text ("... tlsv13 alert certificate required ...", "... alert unknown
// ca ...", "... certificate verify failed ..."); the alert says which side refused which certificate.
import type { ConnectionTarget } from './types.js';

const CLIENT_CERT_REQUIRED = /alert certificate required|peer did not return a certificate/i;
const CLIENT_CERT_REFUSED = /closed the connection right after the tls handshake|alert (unknown ca|bad certificate|certificate unknown|unsupported certificate|certificate expired|certificate revoked|access denied|decrypt error)/i;
const SERVER_CERT_REFUSED = /self[- ]signed certificate|unable to (verify|get local issuer)|certificate verify failed|hostname\/ip does not match|altnames|cert_has_expired|err_tls_cert/i;

/** A sentence saying what to fix after a TLS handshake failure, or undefined for other failures. */
export function tlsFailureHint(message: string, target: Pick<ConnectionTarget, 'tls'>): string | undefined {
  const hasClientCert = Boolean(target.tls?.clientCertPem && target.tls.clientKeyPem);
  if (CLIENT_CERT_REQUIRED.test(message)) {
    return hasClientCert
      ? 'The server did not accept a client certificate (mutual TLS): check the certificate in spec.tls.clientCertSecretRef.'
      : 'The server requires a client certificate (mutual TLS): set spec.tls.clientCertSecretRef to a kubernetes.io/tls Secret with tls.crt and tls.key.';
  }
  if (CLIENT_CERT_REFUSED.test(message) && hasClientCert) {
    return 'The server refused the client certificate from spec.tls.clientCertSecretRef (mutual TLS): use a certificate signed by the CA the server trusts for clients, not expired.';
  }
  if (SERVER_CERT_REFUSED.test(message)) {
    return 'The server\'s certificate was not accepted: check spec.tls.caSecretRef (the CA that signed it) and spec.tls.serverName (a name in the certificate).';
  }
  return undefined;
}
