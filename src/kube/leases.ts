import type { KubeConfig, V1Lease } from '@kubernetes/client-node';
import type { LeaseApi } from '../controller/leader-election.js';
import { KubeJsonRequests, seg } from './json-requests.js';

/** The leader elector's Lease calls (coordination.k8s.io/v1) as plain JSON requests: times come back as strings. */
export class KubeLeaseApi implements LeaseApi {
  private readonly requests: KubeJsonRequests;
  constructor(kc: KubeConfig) {
    this.requests = new KubeJsonRequests(kc);
  }

  readNamespacedLease(p: { name: string; namespace: string }): Promise<V1Lease> {
    return this.requests.get<V1Lease>(`${leases(p.namespace)}/${seg(p.name)}`);
  }

  createNamespacedLease(p: { namespace: string; body: V1Lease }): Promise<V1Lease> {
    return this.requests.send<V1Lease>('POST', leases(p.namespace), p.body);
  }

  replaceNamespacedLease(p: { name: string; namespace: string; body: V1Lease }): Promise<V1Lease> {
    return this.requests.send<V1Lease>('PUT', `${leases(p.namespace)}/${seg(p.name)}`, p.body);
  }
}

const leases = (namespace: string): string => `/apis/coordination.k8s.io/v1/namespaces/${seg(namespace)}/leases`;
