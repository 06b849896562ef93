// Events as the operator writes them: read through events.k8s.io/v1 (the API it writes to).
import { EventsV1Api, type KubeConfig } from '@kubernetes/client-node';

export interface RecordedEvent {
  name: string;
  type: string;
  reason: string;
  action: string;
  note: string;
  regarding: { kind: string; name: string; namespace: string; uid: string };
  reportingController: string;
  reportingInstance: string;
  /** Occurrences: `series.count`, or 1 without a series. */
  count: number;
  series: { count: number; lastObservedTime: string } | undefined;
}

/** The events.k8s.io/v1 Events of `namespace`, optionally only those regarding the object `regardingName`. */
export async function listEvents(kc: KubeConfig, namespace: string, regardingName?: string): Promise<RecordedEvent[]> {
  const list = await kc.makeApiClient(EventsV1Api).listNamespacedEvent({ namespace });
  return list.items
    .filter((e) => regardingName === undefined || e.regarding?.name === regardingName)
    .map((e) => ({
      name: e.metadata?.name ?? '',
      type: e.type ?? '',
      reason: e.reason ?? '',
      action: e.action ?? '',
      note: e.note ?? '',
      regarding: { kind: e.regarding?.kind ?? '', name: e.regarding?.name ?? '', namespace: e.regarding?.namespace ?? '', uid: e.regarding?.uid ?? '' },
      reportingController: e.reportingController ?? '',
      reportingInstance: e.reportingInstance ?? '',
      count: e.series?.count ?? 1,
      series: e.series ? { count: e.series.count, lastObservedTime: new Date(e.series.lastObservedTime as unknown as string).toISOString() } : undefined,
    }));
}

/** Every occurrence recorded in `namespace`: new Events and repeats folded into a series alike. */
export async function eventOccurrences(kc: KubeConfig, namespace: string): Promise<number> {
  return (await listEvents(kc, namespace)).reduce((n, e) => n + e.count, 0);
}
