// `make demo`: a real local kube-apiserver + etcd and Milvus Lite, the CRDs, the operator CLI, and a
// MilvusIndex going Ready and, after deletion, dropped from Milvus. Printed so a person can follow.
import { spawn } from 'node:child_process';
import { createWriteStream, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DataType, MilvusClient } from '@zilliz/milvus2-sdk-node';
import { startControlPlane } from '../test/support/control-plane.js';
import { installCrds } from '../test/support/global-setup.js';
import { startMilvusLite } from '../test/support/milvus-lite.js';

const ROOT = join(import.meta.dirname, '..');
const bold = (s: string) => `\x1b[1m${s}\x1b[0m`;
const step = (s: string) => console.log(`\n${bold(`==> ${s}`)}`);

async function main(): Promise<void> {
  step('Starting a local kube-apiserver + etcd (built from Go modules and cached on first use) and Milvus Lite');
  const [cp, lite] = await Promise.all([startControlPlane(), startMilvusLite()]);
  const cleanup: (() => Promise<unknown>)[] = [() => cp.stop(), () => lite.destroy()];
  const kubectl = async (args: string[], input?: string) => {
    console.log(`$ kubectl ${args.join(' ')}`);
    const r = await cp.kubectl(args, input ? { input } : {});
    process.stdout.write(r.stdout + r.stderr);
    if (r.code !== 0) throw new Error(`kubectl ${args.join(' ')} failed (exit ${r.code})`);
    return r;
  };
  try {
    console.log(`kube-apiserver: ${cp.server}   kubeconfig: ${cp.kubeconfigPath}`);
    console.log(`Milvus Lite:    ${lite.uri}`);

    step('Installing the CRDs (kubectl apply --server-side -f crds/)');
    await installCrds(cp);
    await kubectl(['get', 'crd', 'milvusindexes.index.milvus.io']);

    step('Creating the collection "docs" (id Int64, embedding FloatVector dim 8) with 100 rows, through the Milvus SDK');
    const milvus = new MilvusClient({ address: lite.uri, telemetry: { enabled: false }, logLevel: 'error' } as ConstructorParameters<typeof MilvusClient>[0]);
    milvus.connectPromise?.catch(() => {});
    await milvus.createCollection({
      collection_name: 'docs',
      fields: [
        { name: 'id', data_type: DataType.Int64, is_primary_key: true, autoID: false },
        { name: 'embedding', data_type: DataType.FloatVector, dim: 8 },
      ],
    });
    await milvus.insert({ collection_name: 'docs', data: Array.from({ length: 100 }, (_, i) => ({ id: i, embedding: Array.from({ length: 8 }, (_, j) => Math.cos(i * j)) })) });

    step('Starting the operator: milvus-index-operator --milvus-uri ' + lite.uri + '');
    const logPath = join(cp.dir, 'operator.log');
    const log = createWriteStream(logPath);
    const operator = spawn(process.execPath, [join(ROOT, 'dist', 'src', 'main.js'), '--milvus-uri', lite.uri, '--metrics-bind-address', '127.0.0.1:0', '--health-probe-bind-address', '127.0.0.1:0'], {
      env: { ...process.env, KUBECONFIG: cp.kubeconfigPath },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    operator.stdout.pipe(log);
    operator.stderr.pipe(log);
    cleanup.unshift(() => new Promise((resolve) => { operator.once('exit', resolve); operator.kill('SIGTERM'); }));
    console.log(`operator pid ${operator.pid}; its JSON logs go to ${logPath}`);

    step('Applying deploy/samples/milvusindex.yaml');
    const sample = readFileSync(join(ROOT, 'deploy', 'samples', 'milvusindex.yaml'), 'utf8');
    console.log(sample);
    await kubectl(['apply', '-n', 'default', '-f', '-'], sample);

    step('Waiting for Ready (kubectl wait --for=condition=Ready mvi/docs-embedding)');
    await kubectl(['wait', '-n', 'default', '--for=condition=Ready', 'mvi/docs-embedding', '--timeout=120s']);
    await kubectl(['get', '-n', 'default', 'mvi', '-o', 'wide']);
    await kubectl(['get', '-n', 'default', 'mvi', 'docs-embedding', '-o', 'jsonpath={.status}{"\\n"}']);

    step('What Milvus reports (describeIndex through the SDK)');
    const described = await milvus.describeIndex({ collection_name: 'docs' });
    for (const d of described.index_descriptions ?? []) {
      console.log(`index "${d.index_name}" on field "${d.field_name}": ${d.params.map((p) => `${p.key}=${p.value}`).join(' ')}; state ${d.state}, ${d.indexed_rows}/${d.total_rows} rows`);
    }

    step('Events of the resource');
    await kubectl(['get', 'events', '-n', 'default', '--field-selector', 'involvedObject.name=docs-embedding', '-o', 'custom-columns=TYPE:.type,REASON:.reason,MESSAGE:.message']);

    step('Deleting the MilvusIndex (the finalizer drops the index first)');
    await kubectl(['delete', '-n', 'default', 'mvi/docs-embedding', '--timeout=120s']);
    const after = await milvus.describeIndex({ collection_name: 'docs' });
    const left = after.index_descriptions ?? [];
    console.log(left.length === 0 ? 'describeIndex: the collection "docs" has no index any more: it was dropped.' : `UNEXPECTED: indexes left: ${left.map((d) => d.index_name).join(', ')}`);
    await milvus.closeConnection();
    if (left.length !== 0) throw new Error('the index was not dropped');
    step('Demo finished: the index was created, built, reported Ready, and dropped on deletion.');
  } finally {
    for (const fn of cleanup) await fn().catch(() => {});
  }
}

main().then(
  () => process.exit(0),
  (e: unknown) => { console.error(`demo failed: ${e instanceof Error ? e.message : String(e)}`); process.exit(1); },
);
