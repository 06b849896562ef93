// Secrets never reach the status written, nor the logs.
// Fakes and Harness: test/unit/fakes/connection.ts.
import { describe, expect, it } from 'vitest';
import { NAMESPACE } from '../fakes.js';
import { TOKEN, USERNAME, PASSWORD, UNAUTHENTICATED, UNAVAILABLE, type Setup, Harness, withTokenSecret, TOKEN_SECRET, USED } from '../fakes/connection.js';

// Secrets never reach the status

describe('secrets never appear in the status written', () => {
  const cases: Array<{ name: string; reason: string; given: Setup }> = [
    { name: 'Connected with a token', reason: 'the target holds the token; the status must not', given: { connection: withTokenSecret().build(), secrets: TOKEN_SECRET, indexes: USED } },
    { name: 'Connected with a password', reason: 'the target holds the password; the status must not', given: { connection: withTokenSecret().build(), secrets: { [`${NAMESPACE}/milvus-creds`]: { username: USERNAME, password: PASSWORD } }, indexes: USED } },
    { name: 'AuthenticationFailed quoting the token', reason: 'the server echoed the token; the adapter redacts it', given: { connection: withTokenSecret().build(), secrets: TOKEN_SECRET, indexes: USED, version: UNAUTHENTICATED() } },
    { name: 'Secret with wrong keys', reason: 'the message names keys, never values', given: { connection: withTokenSecret().build(), secrets: { [`${NAMESPACE}/milvus-creds`]: { pass: PASSWORD, tok: TOKEN } }, indexes: USED } },
    { name: 'Unreachable', reason: 'the message names the uri only', given: { connection: withTokenSecret().build(), secrets: TOKEN_SECRET, indexes: USED, version: UNAVAILABLE() } },
  ];
  it.each(cases)('$name', async ({ reason, given }) => {
    const h = new Harness(given);
    await h.reconcile();
    expect(h.writer.statuses.length, 'a status was written').toBe(1);
    const written = JSON.stringify(h.writer.statuses);
    for (const secret of [TOKEN, PASSWORD]) expect(written, reason).not.toContain(secret);
    const logged = JSON.stringify(h.log.lines);
    for (const secret of [TOKEN, PASSWORD]) expect(logged, `logs: ${reason}`).not.toContain(secret);
  });
});
