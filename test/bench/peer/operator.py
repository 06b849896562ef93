"""A minimal MilvusIndex operator written with kopf + pymilvus: the benchmark's peer.

What a competent team writes in an afternoon: create the index on apply without waiting for the
build, follow the build through kopf's handler retries, set a Ready condition, drop the index on
delete (kopf's finalizer). No periodic resync. Run: kopf run --standalone -n NS operator.py
with PEER_MILVUS_URI set (pymilvus itself reads MILVUS_URI) and KUBECONFIG pointing at the cluster.
"""
import datetime
import os

import kopf
from pymilvus import MilvusClient

GROUP, VERSION, PLURAL = "index.milvus.io", "v1alpha1", "milvusindexes"
milvus = MilvusClient(uri="http://" + os.environ["PEER_MILVUS_URI"])


@kopf.on.startup()
def configure(settings: kopf.OperatorSettings, **_):
    # Same Milvus concurrency as the others: sync handlers run in this many threads.
    settings.execution.max_workers = int(os.environ.get("PEER_CONCURRENCY", "4"))
    # Progress in annotations: the CRD's structural status schema would prune status.kopf.
    settings.persistence.progress_storage = kopf.AnnotationsProgressStorage()
    settings.posting.level = 30  # Events for warnings and errors only


def index_name(spec, name):
    return spec.get("indexName") or spec["fieldName"]


@kopf.on.create(GROUP, VERSION, PLURAL, id="create")
def create(spec, name, **_):
    params = milvus.prepare_index_params()
    extra = {"metric_type": spec["metricType"]} if spec.get("metricType") else {}
    params.add_index(field_name=spec["fieldName"], index_type=spec["indexType"], index_name=index_name(spec, name), params=spec.get("params") or {}, **extra)
    milvus.create_index(spec["collectionName"], params, sync=False)


@kopf.on.create(GROUP, VERSION, PLURAL, id="follow")
def follow(spec, name, meta, patch, retry, **_):
    info = milvus.describe_index(spec["collectionName"], index_name(spec, name))
    # Built as the operator's Ready means it: Finished with every row indexed (Milvus 2.3 reports Finished while
    # rows of a compacted segment still wait for their index).
    if info.get("state") != "Finished" or int(info.get("pending_index_rows") or 0) > 0:
        raise kopf.TemporaryError(f"building ({info.get('indexed_rows')}/{info.get('total_rows')})", delay=1)
    now = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    patch.status["conditions"] = [{"type": "Ready", "status": "True", "reason": "IndexBuilt", "message": "index built", "lastTransitionTime": now, "observedGeneration": meta.get("generation", 1)}]


@kopf.on.delete(GROUP, VERSION, PLURAL)
def delete(spec, name, **_):
    if index_name(spec, name) not in milvus.list_indexes(spec["collectionName"]):
        return  # already gone
    if spec.get("allowCollectionRelease"):  # Milvus refuses to drop an index of a loaded collection
        milvus.release_collection(spec["collectionName"])
    milvus.drop_index(spec["collectionName"], index_name(spec, name))
