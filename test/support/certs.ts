// A throwaway CA and a server certificate for TLS tests, generated with the openssl CLI
// (Node has no X.509 issuing API). Keys are EC P-256.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { run } from './proc.js';

export interface TestCertificates {
  caPem: string;
  certPem: string;
  keyPem: string;
  /** The CA's key, to issue client certificates from the same CA (issueClientCertificate). */
  caKeyPem: string;
}

export interface ClientCertificate {
  certPem: string;
  keyPem: string;
}

async function openssl(args: string[], cwd: string): Promise<void> {
  let res;
  try {
    res = await run('openssl', args, { cwd });
  } catch {
    throw new Error('openssl is required for the TLS tests (Debian: apt-get install openssl)');
  }
  if (res.code !== 0) throw new Error(`openssl ${args.join(' ')} failed: ${res.stderr}`);
}

/** A CA and a server certificate for `serverName` (also valid for 127.0.0.1 and localhost). */
export async function issueServerCertificate(serverName: string): Promise<TestCertificates> {
  const dir = mkdtempSync(join(tmpdir(), 'mio-certs-'));
  try {
    await openssl(['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', 'ca.key', '-out', 'ca.crt', '-days', '2', '-subj', '/CN=milvus-index-operator test CA'], dir);
    writeFileSync(join(dir, 'ext.cnf'), `subjectAltName=DNS:${serverName},DNS:localhost,IP:127.0.0.1\nextendedKeyUsage=serverAuth\nbasicConstraints=CA:FALSE\n`);
    await openssl(['req', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', 'server.key', '-out', 'server.csr', '-subj', `/CN=${serverName}`], dir);
    await openssl(['x509', '-req', '-in', 'server.csr', '-CA', 'ca.crt', '-CAkey', 'ca.key', '-CAcreateserial', '-out', 'server.crt', '-days', '2', '-extfile', 'ext.cnf'], dir);
    return { caPem: readFileSync(join(dir, 'ca.crt'), 'utf8'), caKeyPem: readFileSync(join(dir, 'ca.key'), 'utf8'), certPem: readFileSync(join(dir, 'server.crt'), 'utf8'), keyPem: readFileSync(join(dir, 'server.key'), 'utf8') };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** A client certificate (clientAuth) for `commonName`, signed by the CA of `ca`. */
export async function issueClientCertificate(ca: Pick<TestCertificates, 'caPem' | 'caKeyPem'>, commonName: string): Promise<ClientCertificate> {
  const dir = mkdtempSync(join(tmpdir(), 'mio-certs-'));
  try {
    writeFileSync(join(dir, 'ca.crt'), ca.caPem);
    writeFileSync(join(dir, 'ca.key'), ca.caKeyPem, { mode: 0o600 });
    writeFileSync(join(dir, 'ext.cnf'), 'extendedKeyUsage=clientAuth\nbasicConstraints=CA:FALSE\n');
    await openssl(['req', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', 'client.key', '-out', 'client.csr', '-subj', `/CN=${commonName}`], dir);
    await openssl(['x509', '-req', '-in', 'client.csr', '-CA', 'ca.crt', '-CAkey', 'ca.key', '-CAcreateserial', '-out', 'client.crt', '-days', '2', '-extfile', 'ext.cnf'], dir);
    return { certPem: readFileSync(join(dir, 'client.crt'), 'utf8'), keyPem: readFileSync(join(dir, 'client.key'), 'utf8') };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
