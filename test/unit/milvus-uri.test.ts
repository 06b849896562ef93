// src/milvus/uri.ts as decision tables: what parseMilvusUri gives the SDK or refuses, which
// spellings endpointIdentity treats as the same Milvus (and which it keeps apart), and that
// displayUri / error messages never show userinfo. Rows carry name / reason / given / want.
import { describe, expect, it } from 'vitest';

import { failureOf } from '../../src/milvus/classify.js';
import { MilvusError } from '../../src/milvus/errors.js';
import { displayUri, endpointIdentity, hasUserinfo, isZillizServerless, parseMilvusUri, userinfoSecrets, type ParsedMilvusUri } from '../../src/milvus/uri.js';
import { buildClientConfig } from '../../src/milvus/target.js';

function refusal(uri: string): MilvusError {
  try {
    parseMilvusUri(uri);
  } catch (e) {
    expect(e).toBeInstanceOf(MilvusError);
    return e as MilvusError;
  }
  throw new Error(`expected parseMilvusUri(${JSON.stringify(uri)}) to throw`);
}

describe('parseMilvusUri: accepted spellings', () => {
  const rows: Array<{ name: string; reason: string; given: string; want: ParsedMilvusUri }> = [
    { name: 'host:port', reason: 'the classic form; no scheme means http', given: 'milvus.milvus.svc:19530', want: { scheme: 'http', host: 'milvus.milvus.svc', port: 19530, address: 'milvus.milvus.svc:19530', https: false } },
    { name: 'bare host', reason: 'port defaults to the Milvus default 19530', given: 'milvus', want: { scheme: 'http', host: 'milvus', port: 19530, address: 'milvus:19530', https: false } },
    { name: 'http without port', reason: 'http → 19530 (the SDK would not fill it in)', given: 'http://milvus.example.com', want: { scheme: 'http', host: 'milvus.example.com', port: 19530, address: 'milvus.example.com:19530', https: false } },
    { name: 'https without port', reason: 'https → 443: Zilliz Cloud serverless endpoints have no port', given: 'https://in03-abc.serverless.gcp-us-west1.cloud.zilliz.com', want: { scheme: 'https', host: 'in03-abc.serverless.gcp-us-west1.cloud.zilliz.com', port: 443, address: 'in03-abc.serverless.gcp-us-west1.cloud.zilliz.com:443', https: true } },
    { name: 'https with port', reason: 'explicit port wins', given: 'https://milvus.example.com:19530', want: { scheme: 'https', host: 'milvus.example.com', port: 19530, address: 'milvus.example.com:19530', https: true } },
    { name: 'http with port 80', reason: 'an explicit port equal to the web default is kept (not replaced by 19530)', given: 'http://h:80', want: { scheme: 'http', host: 'h', port: 80, address: 'h:80', https: false } },
    { name: 'upper-case scheme', reason: 'schemes are case-insensitive', given: 'HTTPS://Milvus.Example.com', want: { scheme: 'https', host: 'Milvus.Example.com', port: 443, address: 'Milvus.Example.com:443', https: true } },
    { name: 'trailing slash', reason: 'copied from a browser', given: 'http://localhost:19530/', want: { scheme: 'http', host: 'localhost', port: 19530, address: 'localhost:19530', https: false } },
    { name: 'surrounding spaces', reason: 'YAML and env values often carry them', given: '  127.0.0.1:19530 \n', want: { scheme: 'http', host: '127.0.0.1', port: 19530, address: '127.0.0.1:19530', https: false } },
    { name: 'IPv6 with port', reason: 'brackets keep the port apart', given: 'http://[::1]:19530', want: { scheme: 'http', host: '[::1]', port: 19530, address: '[::1]:19530', https: false } },
    { name: 'IPv6 without port', reason: 'defaults apply to IPv6 too', given: '[fd00::1]', want: { scheme: 'http', host: '[fd00::1]', port: 19530, address: '[fd00::1]:19530', https: false } },
  ];
  it.each(rows)('$name', ({ reason, given, want }) => {
    expect(parseMilvusUri(given), reason).toEqual(want);
  });
});

describe('parseMilvusUri: refusals are InvalidSpec and never echo userinfo', () => {
  const rows: Array<{ name: string; reason: string; given: string; want: RegExp }> = [
    { name: 'user:password@', reason: 'credentials belong in a Secret or MILVUS_TOKEN/MILVUS_USERNAME/MILVUS_PASSWORD', given: 'http://root:Milvus-pw@milvus:19530', want: /credentials in the uri are not supported/ },
    { name: 'token@ without a scheme', reason: 'userinfo is refused in every spelling', given: 'sk-Tok3n@milvus:19530', want: /credentials in the uri are not supported/ },
    { name: 'password containing @ and /', reason: 'the userinfo ends at the last @', given: 'https://root:p@ss/w0rd@milvus', want: /credentials in the uri are not supported/ },
    { name: 'unsupported scheme', reason: 'the SDK speaks gRPC over http(s) only', given: 'grpc://milvus:19530', want: /unsupported scheme "grpc"/ },
    { name: 'tcp scheme', reason: 'unsupported', given: 'tcp://milvus:19530', want: /unsupported scheme "tcp"/ },
    { name: 'a path', reason: 'a Milvus endpoint has none; it would be silently ignored by the SDK', given: 'http://milvus:19530/v2', want: /expected host/ },
    { name: 'a query', reason: 'nothing to put in a query', given: 'http://milvus:19530/?a=b', want: /expected host/ },
    { name: 'empty', reason: 'nothing to connect to', given: '', want: /expected host/ },
    { name: 'empty port', reason: '"host:" is a typo, not a default', given: 'milvus:', want: /expected host/ },
    { name: 'port 0', reason: 'out of range', given: 'milvus:0', want: /port 0 is out of range/ },
    { name: 'port 65536', reason: 'out of range', given: 'milvus:65536', want: /port 65536 is out of range/ },
    { name: 'space inside', reason: 'not a host name', given: 'mil vus:19530', want: /expected host/ },
  ];
  it.each(rows)('$name', ({ reason, given, want }) => {
    const err = refusal(given);
    expect(err.kind, reason).toBe('InvalidSpec');
    expect(failureOf(err)).toBe('InvalidParameter');
    expect(err.message, reason).toMatch(want);
    for (const secret of userinfoSecrets(given)) expect(err.message, 'never echo userinfo').not.toContain(secret);
  });
});

describe('endpointIdentity: the same Milvus spelled differently gives one string', () => {
  const rows: Array<{ name: string; reason: string; given: { uri: string; ns?: string }; want: string }> = [
    { name: 'host:port', reason: 'scheme defaults to http', given: { uri: 'milvus.db.svc:19530' }, want: 'http://milvus.db.svc:19530' },
    { name: 'http default port', reason: 'http → 19530', given: { uri: 'http://milvus.db.svc' }, want: 'http://milvus.db.svc:19530' },
    { name: 'https default port', reason: 'https → 443', given: { uri: 'https://in03-x.cloud.zilliz.com' }, want: 'https://in03-x.cloud.zilliz.com:443' },
    { name: 'https explicit 443', reason: 'same as the default', given: { uri: 'https://in03-x.cloud.zilliz.com:443/' }, want: 'https://in03-x.cloud.zilliz.com:443' },
    { name: 'upper case', reason: 'host names and schemes are case-insensitive', given: { uri: 'HTTP://Milvus.DB.SVC:19530' }, want: 'http://milvus.db.svc:19530' },
    { name: 'cluster.local', reason: 'name.ns.svc.cluster.local is name.ns.svc', given: { uri: 'milvus.db.svc.cluster.local:19530' }, want: 'http://milvus.db.svc:19530' },
    { name: 'cluster.local with trailing dot', reason: 'an absolute DNS name is the same name', given: { uri: 'milvus.db.svc.cluster.local.:19530' }, want: 'http://milvus.db.svc:19530' },
    { name: 'pod of a headless service', reason: 'the .cluster.local suffix goes whatever the depth', given: { uri: 'milvus-0.milvus.db.svc.cluster.local' }, want: 'http://milvus-0.milvus.db.svc:19530' },
    { name: 'name.ns', reason: 'the cluster DNS search path makes it name.ns.svc', given: { uri: 'milvus.db:19530', ns: 'other' }, want: 'http://milvus.db.svc:19530' },
    { name: 'short name with context namespace', reason: 'resolved in the namespace the uri is used from', given: { uri: 'milvus:19530', ns: 'db' }, want: 'http://milvus.db.svc:19530' },
    { name: 'short name without port and with context', reason: 'both expansions at once', given: { uri: 'milvus', ns: 'db' }, want: 'http://milvus.db.svc:19530' },
    { name: 'short name without context', reason: 'nothing to expand it with: left alone', given: { uri: 'milvus:19530' }, want: 'http://milvus:19530' },
    { name: 'userinfo', reason: 'credentials do not change the endpoint', given: { uri: 'http://root:pw@milvus.db.svc:19530' }, want: 'http://milvus.db.svc:19530' },
    { name: 'localhost', reason: 'never a Service name', given: { uri: 'localhost:19530', ns: 'db' }, want: 'http://localhost:19530' },
    { name: 'IPv4', reason: 'dots in an address are not namespaces', given: { uri: '10.0.0.7:19530', ns: 'db' }, want: 'http://10.0.0.7:19530' },
    { name: 'IPv6 spelled long', reason: 'one form per address', given: { uri: 'http://[0:0:0:0:0:0:0:1]:19530' }, want: 'http://[::1]:19530' },
    { name: 'IPv6 upper case', reason: 'hex digits are case-insensitive', given: { uri: '[FD00::A]' }, want: 'http://[fd00::a]:19530' },
    { name: 'external three-label name', reason: 'not a Service name: kept as is', given: { uri: 'milvus.example.com:19530', ns: 'db' }, want: 'http://milvus.example.com:19530' },
    { name: 'unusable uri', reason: 'never throws: the lower-cased display form, without userinfo', given: { uri: 'GRPC://u:pw@Milvus:1' }, want: 'grpc://milvus:1' },
  ];
  it.each(rows)('$name', ({ reason, given, want }) => {
    expect(endpointIdentity(given.uri, given.ns), reason).toBe(want);
  });

  const same: Array<{ name: string; given: Array<{ uri: string; ns?: string }> }> = [
    {
      name: 'every spelling of the in-cluster Service milvus in namespace db',
      given: [
        { uri: 'milvus', ns: 'db' },
        { uri: 'milvus:19530', ns: 'db' },
        { uri: 'http://milvus', ns: 'db' },
        { uri: 'milvus.db' },
        { uri: 'milvus.db:19530', ns: 'elsewhere' },
        { uri: 'milvus.db.svc' },
        { uri: 'http://milvus.db.svc:19530/' },
        { uri: 'Milvus.DB.svc.cluster.local:19530' },
        { uri: 'http://user:pw@milvus.db.svc.cluster.local' },
      ],
    },
    { name: 'a Zilliz Cloud endpoint with and without :443', given: [{ uri: 'https://in03-x.cloud.zilliz.com' }, { uri: 'https://IN03-X.cloud.zilliz.com:443/' }] },
  ];
  it.each(same)('$name', ({ given }) => {
    const ids = new Set(given.map((g) => endpointIdentity(g.uri, g.ns)));
    expect([...ids]).toHaveLength(1);
  });

  const different: Array<{ name: string; reason: string; given: [{ uri: string; ns?: string }, { uri: string; ns?: string }] }> = [
    { name: 'same short name, different namespaces', reason: 'two Services', given: [{ uri: 'milvus', ns: 'a' }, { uri: 'milvus', ns: 'b' }] },
    { name: 'different ports', reason: 'two servers may share a host', given: [{ uri: 'milvus.db:19530' }, { uri: 'milvus.db:19531' }] },
    { name: 'http default vs https default', reason: '19530 is not 443', given: [{ uri: 'http://h.example.com' }, { uri: 'https://h.example.com' }] },
    { name: 'http:80 vs http default', reason: 'an explicit 80 is not the Milvus default', given: [{ uri: 'http://h:80' }, { uri: 'http://h' }] },
  ];
  it.each(different)('$name', ({ reason, given: [a, b] }) => {
    expect(endpointIdentity(a.uri, a.ns), reason).not.toBe(endpointIdentity(b.uri, b.ns));
  });
});

describe('displayUri / hasUserinfo / userinfoSecrets', () => {
  const rows: Array<{ name: string; given: string; want: { display: string; userinfo: boolean; secrets: string[] } }> = [
    { name: 'user:password', given: 'http://user:secret@host:19530', want: { display: 'http://host:19530', userinfo: true, secrets: ['user:secret', 'secret'] } },
    { name: 'token only', given: 'https://sk-abc123@host', want: { display: 'https://host', userinfo: true, secrets: ['sk-abc123'] } },
    { name: 'no scheme', given: 'root:Milvus@host:19530', want: { display: 'host:19530', userinfo: true, secrets: ['root:Milvus', 'Milvus'] } },
    { name: 'password with @ and /', given: 'http://root:p@ss/w0rd@host:19530', want: { display: 'http://host:19530', userinfo: true, secrets: ['root:p@ss/w0rd', 'p@ss/w0rd'] } },
    { name: 'empty userinfo', given: 'http://@host:19530', want: { display: 'http://host:19530', userinfo: true, secrets: [] } },
    { name: 'no userinfo: as written, trimmed', given: ' HTTP://Host:19530/ ', want: { display: 'HTTP://Host:19530/', userinfo: false, secrets: [] } },
    { name: 'unparseable text is still cleaned', given: 'grpc://u:pw@h/x y', want: { display: 'grpc://h/x y', userinfo: true, secrets: ['u:pw', 'pw'] } },
  ];
  it.each(rows)('$name', ({ given, want }) => {
    expect({ display: displayUri(given), userinfo: hasUserinfo(given), secrets: userinfoSecrets(given) }).toEqual(want);
  });
});

describe('Zilliz Cloud endpoints', () => {
  it('a port-less serverless endpoint is https://host:443 for the SDK, TLS on', () => {
    const uri = 'https://in03-xxxx.serverless.gcp-us-west1.cloud.zilliz.com';
    expect(parseMilvusUri(uri)).toMatchObject({ port: 443, address: 'in03-xxxx.serverless.gcp-us-west1.cloud.zilliz.com:443', https: true });
    const config = buildClientConfig({ uri, database: 'default', token: 'db_admin:x', timeoutMs: 1000 });
    expect(config.address).toBe('in03-xxxx.serverless.gcp-us-west1.cloud.zilliz.com:443');
    expect(config.ssl).toBe(true);
    expect(parseMilvusUri('http://milvus.example.com').port).toBe(19530);
  });

  it.each([
    ['https://in03-xxxx.serverless.gcp-us-west1.cloud.zilliz.com', true],
    ['https://IN03-XXXX.Serverless.aws-us-west-2.cloud.zilliz.com:443/', true],
    ['in03-xxxx.serverless.gcp-us-west1.cloud.zilliz.com:443', true],
    ['https://in01-xxxx.aws-us-west-2.vectordb.zillizcloud.com:19530', false],
    ['https://in03-xxxx.cloud.zilliz.com', false],
    ['https://serverless.example.com', false],
    ['https://in03-x.serverless.gcp-us-west1.cloud.zilliz.com.evil.example', false],
    ['not a uri at all', false],
  ])('isZillizServerless(%s) = %s', (uri, want) => {
    expect(isZillizServerless(uri)).toBe(want);
  });
});
