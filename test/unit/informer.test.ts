import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { CustomObjectsApi, KubeConfig, Watch } from '@kubernetes/client-node';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { Informer, type InformerOptions, type ListFn, type WatchClient } from '../../src/controller/informer.js';
import type { Logger } from '../../src/observability/logger.js';
import type { ControllerSource } from '../../src/controller/runner.js';
import type { Clock } from '../../src/controller/clock.js';

interface Widget {
  apiVersion?: string;
  kind?: string;
  metadata: { name: string; namespace?: string; resourceVersion: string; managedFields?: unknown[] };
  spec?: { size: number };
}

function widget(key: string, resourceVersion: string, size = 1): Widget {
  const parts = key.split('/');
  const metadata = parts.length === 2 ? { namespace: parts[0], name: parts[1] as string } : { name: key };
  return {
    apiVersion: 'example.com/v1',
    kind: 'Widget',
    metadata: { ...metadata, resourceVersion, managedFields: [{ manager: 'kubectl' }] },
    spec: { size },
  };
}

type Reply = { status: number; body: unknown };

/** One open watch stream; the test writes events and decides when it ends. */
class WatchStream {
  closedByClient = false;
  constructor(
    readonly url: URL,
    private readonly res: ServerResponse,
  ) {}
  send(type: string, object: unknown): void {
    this.res.write(`${JSON.stringify({ type, object })}\n`);
  }
  end(): void {
    this.res.end();
  }
}

/** Just enough of an apiserver: list replies and watch streams scripted by the test. */
class FakeApiServer {
  readonly lists: URL[] = [];
  readonly watches: WatchStream[] = [];
  /** Answers list requests; change it to change the collection. */
  listReply: (url: URL) => Reply = () => ({ status: 200, body: { items: [], metadata: { resourceVersion: '1' } } });
  /** Replies queued for the next watch requests (e.g. 500, 410) instead of opening a stream. */
  readonly watchReplies: Reply[] = [];
  private readonly server: Server = createServer((req, res) => this.handle(req, res));

  async listen(): Promise<string> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise((resolve) => this.server.close(resolve));
  }

  /** The n-th (1-based) watch stream, once the informer has opened it. */
  async watch(n: number): Promise<WatchStream> {
    await vi.waitFor(() => expect(this.watches.length).toBeGreaterThanOrEqual(n));
    return this.watches[n - 1] as WatchStream;
  }

  private handle(req: IncomingMessage, res: ServerResponse): void {
    const url = new URL(req.url ?? '/', 'http://fake');
    if (url.searchParams.get('watch') !== 'true') {
      this.lists.push(url);
      this.reply(res, this.listReply(url));
      return;
    }
    const scripted = this.watchReplies.shift();
    if (scripted !== undefined) {
      this.reply(res, scripted);
      return;
    }
    res.writeHead(200, { 'content-type': 'application/json' });
    res.flushHeaders();
    const stream = new WatchStream(url, res);
    res.on('close', () => (stream.closedByClient = !res.writableEnded));
    this.watches.push(stream);
  }

  private reply(res: ServerResponse, { status, body }: Reply): void {
    res.writeHead(status, { 'content-type': 'application/json' });
    res.end(JSON.stringify(body));
  }
}

function listOf(resourceVersion: string, ...items: Widget[]): Reply {
  return { status: 200, body: { apiVersion: 'example.com/v1', kind: 'WidgetList', metadata: { resourceVersion }, items } };
}

function status(code: number, reason: string): Reply {
  return { status: code, body: { kind: 'Status', apiVersion: 'v1', status: 'Failure', code, reason, message: reason } };
}

function kubeConfig(server: string): KubeConfig {
  const kc = new KubeConfig();
  kc.loadFromOptions({
    clusters: [{ name: 'c', server, skipTLSVerify: true }],
    users: [{ name: 'u', token: 't' }],
    contexts: [{ name: 'x', cluster: 'c', user: 'u' }],
    currentContext: 'x',
  });
  return kc;
}

const silentLogger = (): Logger & { warnings: string[] } => {
  const warnings: string[] = [];
  return { warnings, debug: () => {}, info: () => {}, warn: (_f, msg) => void warnings.push(msg), error: (_f, msg) => void warnings.push(msg) };
};

/** Real timers, but records every delay the informer asks for. */
function recordingClock(): Clock & { delays: number[] } {
  const delays: number[] = [];
  return {
    delays,
    now: () => Date.now(),
    setTimeout: (cb, ms) => {
      delays.push(ms);
      return setTimeout(cb, ms);
    },
    clearTimeout: (h) => clearTimeout(h as ReturnType<typeof setTimeout>),
  };
}

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

interface Harness {
  api: FakeApiServer;
  informer: Informer<Widget>;
  events: string[];
  clock: Clock & { delays: number[] };
  log: Logger & { warnings: string[] };
}

async function start(
  options: { namespace?: string; transform?: InformerOptions<Widget>['transform']; before?: (api: FakeApiServer) => void } = {},
): Promise<Harness> {
  const api = new FakeApiServer();
  options.before?.(api);
  const kc = kubeConfig(await api.listen());
  const co = kc.makeApiClient(CustomObjectsApi);
  const gvr = { group: 'example.com', version: 'v1', plural: 'widgets' };
  const list: ListFn<Widget> = options.namespace
    ? (r) => co.listNamespacedCustomObject({ ...gvr, namespace: options.namespace as string, labelSelector: r.labelSelector, _continue: r.continue })
    : (r) => co.listClusterCustomObject({ ...gvr, labelSelector: r.labelSelector, _continue: r.continue });
  const path = options.namespace ? `/apis/example.com/v1/namespaces/${options.namespace}/widgets` : '/apis/example.com/v1/widgets';
  const clock = recordingClock();
  const log = silentLogger();
  const watch: WatchClient = new Watch(kc);
  const informer = new Informer<Widget>({
    path,
    list,
    watch,
    log,
    clock,
    labelSelector: 'app=demo',
    transform: options.transform,
    random: () => 0,
    initialBackoffMs: 20,
    maxBackoffMs: 80,
    watchTimeoutSeconds: 60,
  });
  const events: string[] = [];
  const keyOf = (w: Widget) => (w.metadata.namespace ? `${w.metadata.namespace}/${w.metadata.name}` : w.metadata.name);
  informer.addEventHandler({
    onAdd: (w) => events.push(`add ${keyOf(w)}@${w.metadata.resourceVersion}`),
    onUpdate: (o, n) => events.push(`update ${keyOf(n)}@${o.metadata.resourceVersion}->${n.metadata.resourceVersion}`),
    onDelete: (w) => events.push(`delete ${keyOf(w)}@${w.metadata.resourceVersion}`),
  });
  informer satisfies ControllerSource<Widget>;
  cleanups.push(() => api.close());
  cleanups.push(() => informer.stop());
  informer.start();
  return { api, informer, events, clock, log };
}

describe('Informer against a fake apiserver', () => {
  it('lists, caches, then watches from the list resourceVersion with bookmarks', async () => {
    const { api, informer, events } = await start({
      before: (api) => (api.listReply = () => listOf('10', widget('ns1/a', '5'), widget('ns2/b', '7'))),
    });
    await expect(informer.waitForSync()).resolves.toBe(true);
    expect(informer.hasSynced()).toBe(true);
    expect(events).toEqual(['add ns1/a@5', 'add ns2/b@7']);
    expect(informer.get('ns1/a')?.spec).toEqual({ size: 1 });
    expect(informer.list().map((w) => w.metadata.name).sort()).toEqual(['a', 'b']);
    expect(api.lists[0]?.searchParams.get('labelSelector')).toBe('app=demo');

    const stream = await api.watch(1);
    expect(stream.url.pathname).toBe('/apis/example.com/v1/widgets');
    expect(Object.fromEntries(stream.url.searchParams)).toEqual({
      watch: 'true',
      resourceVersion: '10',
      allowWatchBookmarks: 'true',
      timeoutSeconds: '60',
      labelSelector: 'app=demo',
    });
  });

  it('follows a paginated list to the end before it syncs', async () => {
    const { api, informer, events } = await start({
      before: (api) =>
        (api.listReply = (url) =>
          url.searchParams.get('continue') === 'page2'
            ? listOf('10', widget('ns1/b', '6'))
            : { status: 200, body: { items: [widget('ns1/a', '5')], metadata: { resourceVersion: '10', continue: 'page2' } } }),
    });
    await informer.waitForSync();
    expect(events).toEqual(['add ns1/a@5', 'add ns1/b@6']);
    expect(api.lists).toHaveLength(2);
  });

  it('applies watch events to the cache before calling handlers', async () => {
    const { api, informer, events } = await start({
      before: (api) => (api.listReply = () => listOf('10', widget('ns1/a', '5'), widget('ns1/b', '7'))),
    });
    const seenInHandler: Array<number | undefined> = [];
    informer.addEventHandler({ onUpdate: (_o, n) => seenInHandler.push(informer.get('ns1/a')?.spec?.size ?? n.spec?.size) });
    const stream = await api.watch(1);
    stream.send('ADDED', widget('ns1/c', '11'));
    stream.send('MODIFIED', widget('ns1/a', '12', 2));
    stream.send('DELETED', widget('ns1/b', '13'));
    stream.send('BOOKMARK', { kind: 'Widget', apiVersion: 'example.com/v1', metadata: { resourceVersion: '14' } });
    await vi.waitFor(() => expect(informer.lastResourceVersion()).toBe('14'));

    expect(events.slice(2)).toEqual(['add ns1/c@11', 'update ns1/a@5->12', 'delete ns1/b@13']);
    expect(seenInHandler).toEqual([2]);
    expect(informer.get('ns1/b')).toBeUndefined();
    expect(informer.get('ns1/a')?.spec).toEqual({ size: 2 });
    expect(informer.list()).toHaveLength(2);
  });

  it('resumes from the last resourceVersion when the server closes the stream, without relisting', async () => {
    const { api, events } = await start({ before: (api) => (api.listReply = () => listOf('10', widget('ns1/a', '5'))) });
    const first = await api.watch(1);
    first.send('MODIFIED', widget('ns1/a', '12', 2));
    first.end();

    const second = await api.watch(2);
    expect(second.url.searchParams.get('resourceVersion')).toBe('12');
    expect(api.lists).toHaveLength(1);
    second.send('MODIFIED', widget('ns1/a', '13', 3));
    await vi.waitFor(() => expect(events).toContain('update ns1/a@12->13'));
  });

  it('backs off before resuming when streams keep closing empty at once', async () => {
    const { api, clock } = await start({ before: (api) => (api.listReply = () => listOf('10')) });
    (await api.watch(1)).end();
    (await api.watch(2)).end();
    const third = await api.watch(3);
    expect(third.url.searchParams.get('resourceVersion')).toBe('10');
    expect(clock.delays).toEqual([20, 40]);
  });

  it('relists on an in-stream 410 and emits deletes for objects that vanished', async () => {
    let collection = listOf('10', widget('ns1/a', '5'), widget('ns1/b', '7'));
    const { api, informer, events } = await start({ before: (api) => (api.listReply = () => collection) });
    const first = await api.watch(1);
    collection = listOf('20', widget('ns1/a', '5'), widget('ns1/c', '18'), widget('ns1/d', '19'));
    first.send('ERROR', status(410, 'Expired').body);

    const second = await api.watch(2);
    expect(second.url.searchParams.get('resourceVersion')).toBe('20');
    expect(api.lists).toHaveLength(2);
    expect(events).toEqual(['add ns1/a@5', 'add ns1/b@7', 'delete ns1/b@7', 'add ns1/c@18', 'add ns1/d@19']);
    expect(informer.list().map((w) => w.metadata.name).sort()).toEqual(['a', 'c', 'd']);
  });

  it('relists on an HTTP 410 at connect and emits updates for changed objects', async () => {
    const lists = [listOf('10', widget('ns1/a', '5')), listOf('30', widget('ns1/a', '25', 2))];
    const { api, events, clock } = await start({
      before: (api) => {
        api.listReply = () => lists.shift() ?? status(500, 'unexpected third list');
        api.watchReplies.push(status(410, 'Gone'));
      },
    });

    const stream = await api.watch(1);
    expect(api.lists).toHaveLength(2);
    expect(stream.url.searchParams.get('resourceVersion')).toBe('30');
    expect(events).toEqual(['add ns1/a@5', 'update ns1/a@5->25']);
    expect(clock.delays).toEqual([]); // a single 410 is answered by relisting at once
  });

  it('restarts the watch with backoff after a 500, resuming without a relist', async () => {
    const { api, clock, log } = await start({
      before: (api) => {
        api.listReply = () => listOf('10', widget('ns1/a', '5'));
        api.watchReplies.push(status(500, 'InternalError'), status(500, 'InternalError'));
      },
    });
    const stream = await api.watch(1);
    expect(stream.url.searchParams.get('resourceVersion')).toBe('10');
    expect(clock.delays).toEqual([20, 40]);
    expect(api.lists).toHaveLength(1);
    expect(log.warnings).toEqual(['watch failed; restarting', 'watch failed; restarting']);
  });

  it('restarts with backoff after an in-stream error other than 410', async () => {
    const { api, clock } = await start({ before: (api) => (api.listReply = () => listOf('10')) });
    const first = await api.watch(1);
    first.send('ERROR', status(500, 'InternalError').body);
    const second = await api.watch(2);
    expect(second.url.searchParams.get('resourceVersion')).toBe('10');
    expect(clock.delays).toEqual([20]);
    expect(first.closedByClient).toBe(true);
  });

  it('retries a failed list with capped backoff and syncs once it succeeds', async () => {
    let failures = 4;
    const { informer, clock, log } = await start({
      before: (api) => (api.listReply = () => (failures-- > 0 ? status(503, 'ServiceUnavailable') : listOf('10', widget('ns1/a', '5')))),
    });
    await expect(informer.waitForSync()).resolves.toBe(true);
    expect(clock.delays).toEqual([20, 40, 80, 80]);
    expect(log.warnings).toHaveLength(4);
  });

  it('watches one namespace of a namespaced resource', async () => {
    const { api, informer } = await start({ namespace: 'ns1', before: (api) => (api.listReply = () => listOf('10', widget('ns1/a', '5'))) });
    await informer.waitForSync();
    expect(api.lists[0]?.pathname).toBe('/apis/example.com/v1/namespaces/ns1/widgets');
    expect((await api.watch(1)).url.pathname).toBe('/apis/example.com/v1/namespaces/ns1/widgets');
    expect(informer.get('ns1/a')).toBeDefined();
  });

  it('keys cluster-scoped objects by name', async () => {
    const { api, informer, events } = await start({ before: (api) => (api.listReply = () => listOf('10', widget('global', '5'))) });
    const stream = await api.watch(1);
    stream.send('DELETED', widget('global', '11'));
    await vi.waitFor(() => expect(events).toEqual(['add global@5', 'delete global@11']));
    expect(informer.get('global')).toBeUndefined();
  });

  it('applies the transform to listed and watched objects', async () => {
    const strip = (w: Widget): Widget => ({ ...w, metadata: { ...w.metadata, managedFields: undefined } });
    const { api, informer } = await start({ transform: strip, before: (api) => (api.listReply = () => listOf('10', widget('ns1/a', '5'))) });
    (await api.watch(1)).send('ADDED', widget('ns1/b', '11'));
    await vi.waitFor(() => expect(informer.get('ns1/b')).toBeDefined());
    expect(informer.list().map((w) => w.metadata.managedFields)).toEqual([undefined, undefined]);
  });

  it('stop closes the watch and no handler runs afterwards', async () => {
    const { api, informer, events } = await start({ before: (api) => (api.listReply = () => listOf('10')) });
    const stream = await api.watch(1);
    informer.stop();
    await vi.waitFor(() => expect(stream.closedByClient).toBe(true));
    expect(events).toEqual([]);
    expect(api.watches).toHaveLength(1);
    await expect(informer.waitForSync()).resolves.toBe(true);
  });

  it('resolves waitForSync false when stopped before the first list', async () => {
    const { informer } = await start({ before: (api) => (api.listReply = () => status(404, 'NotFound')) });
    const waiting = informer.waitForSync();
    informer.stop();
    await expect(waiting).resolves.toBe(false);
  });
});

describe('Informer with a scripted watch client', () => {
  it('resumes at once from the last resourceVersion after the client-side inactivity timeout', async () => {
    const queries: Array<Record<string, unknown>> = [];
    const watch: WatchClient = {
      watch: async (_path, query, callback, done) => {
        queries.push(query);
        if (queries.length === 1) {
          callback('MODIFIED', widget('ns1/a', '12'));
          // What client-node 2.0.1 reports after 30 s without a byte from the server.
          queueMicrotask(() => done(new DOMException('The operation was aborted due to timeout', 'TimeoutError')));
        }
        return new AbortController();
      },
    };
    const clock = recordingClock();
    const informer = new Informer<Widget>({
      path: '/apis/example.com/v1/widgets',
      list: async () => ({ items: [widget('ns1/a', '5')], metadata: { resourceVersion: '10' } }),
      watch,
      log: silentLogger(),
      clock,
    });
    cleanups.push(() => informer.stop());
    informer.start();
    await vi.waitFor(() => expect(queries).toHaveLength(2));
    expect(queries.map((q) => q['resourceVersion'])).toEqual(['10', '12']);
    expect(clock.delays).toEqual([]);
  });

  it('keeps running when a handler throws, and logs it', async () => {
    const log = silentLogger();
    const informer = new Informer<Widget>({
      path: '/apis/example.com/v1/widgets',
      list: async () => ({ items: [widget('ns1/a', '5'), widget('ns1/b', '6')], metadata: { resourceVersion: '10' } }),
      watch: { watch: async () => new AbortController() },
      log,
    });
    const added: string[] = [];
    informer.addEventHandler({
      onAdd: (w) => {
        added.push(w.metadata.name);
        throw new Error('handler bug');
      },
    });
    cleanups.push(() => informer.stop());
    informer.start();
    await informer.waitForSync();
    expect(added).toEqual(['a', 'b']);
    expect(log.warnings).toEqual(['informer event handler threw', 'informer event handler threw']);
  });
});
