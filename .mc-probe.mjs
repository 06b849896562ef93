import { monitorEventLoopDelay } from 'node:perf_hooks';
const h = monitorEventLoopDelay({ resolution: 10 }); h.enable();
let maxLag = 0, last = performance.now(), lags = [];
const iv = setInterval(() => { const n = performance.now(); const lag = n - last - 20; if (lag > 100) lags.push([Math.round(n - t0), Math.round(lag)]); last = n; }, 20);
const t0 = performance.now();
const { MilvusClient } = await import('@zilliz/milvus2-sdk-node');
await new Promise(r => setTimeout(r, 100));
const t1 = performance.now();
const c = new MilvusClient({ address: process.argv[2], telemetry: { enabled: false }, logLevel: 'error' });
c.connectPromise?.catch(() => {});
const t2 = performance.now();
try { await c.describeCollection({ collection_name: 'nope' }); } catch {}
const t3 = performance.now();
await new Promise(r => setTimeout(r, 500));
clearInterval(iv);
console.log({ ctor: t2 - t1, firstCall: t3 - t2, lags, p99: h.percentile(99) / 1e6, max: h.max / 1e6 });
process.exit(0);
