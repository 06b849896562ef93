import type { MilvusIndexSpec } from '../api/milvusindex.js';
import { isZillizServerless } from '../milvus/uri.js';

/**
 * A Zilliz Cloud serverless cluster builds AUTOINDEX only: a spec with another index type against
 * one is refused from the uri alone (decide reports Unsupported; observe reads nothing for it).
 */
export function serverlessRefuses(spec: Pick<MilvusIndexSpec, 'indexType'>, uri: string): boolean {
  return spec.indexType !== 'AUTOINDEX' && isZillizServerless(uri);
}
