// The MilvusIndex lifecycle suite (test/lifecycle/suite.ts) against the REAL kube-apiserver + etcd and the
// REAL Milvus Lite 3.x server this tier's globalSetup started.
import { describeLifecycle } from '../lifecycle/suite.js';
import { MILVUS_LITE } from '../lifecycle/servers.js';

describeLifecycle(MILVUS_LITE);
