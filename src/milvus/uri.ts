// Placeholder until the Milvus-boundary branch lands its uri.ts (same exports).
/** The URI without userinfo: safe for messages, Events, status and logs. */
export function displayUri(uri: string): string {
  return uri.replace(/^([a-z][a-z0-9+.-]*:\/\/)[^/@]*@/i, '$1');
}

/** One canonical string for the same Milvus spelled two ways. */
export function endpointIdentity(uri: string, contextNamespace?: string): string {
  const m = /^(?:([a-z]+):\/\/)?(?:[^/@]*@)?([^/:]+)(?::(\d+))?/i.exec(uri.trim());
  if (!m) return uri;
  const scheme = (m[1] ?? 'http').toLowerCase();
  let host = m[2]!.toLowerCase().replace(/\.cluster\.local\.?$/, '');
  const labels = host.split('.');
  const ip = /^\d+\.\d+\.\d+\.\d+$/.test(host) || host === 'localhost';
  if (!ip && labels.length === 1 && contextNamespace) host = `${host}.${contextNamespace}.svc`;
  else if (!ip && labels.length === 2) host = `${host}.svc`;
  const port = m[3] ?? (scheme === 'https' ? '443' : '19530');
  return `${scheme}://${host}:${port}`;
}
