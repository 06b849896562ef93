// The MilvusIndex lifecycle suite (test/lifecycle/suite.ts) against the REAL kube-apiserver + etcd and the embedded
// REAL Milvus 2.3 standalone (PyPI `milvus`, test/support/milvus-standalone.ts) this tier's globalSetup started.
import { describeLifecycle } from '../lifecycle/suite.js';
import { MILVUS_23_STANDALONE } from '../lifecycle/servers.js';

describeLifecycle(MILVUS_23_STANDALONE);
