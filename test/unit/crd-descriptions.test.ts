// `kubectl explain` shows a field's description and nothing else: every property of every shipped CRD
// (spec and status, nested) must have one. Reads crds/*.yaml as the API server receives them.
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';

type Json = Record<string, unknown>;
const CRD_DIR = fileURLToPath(new URL('../../crds/', import.meta.url));
const files = readdirSync(CRD_DIR).filter((f) => f.endsWith('.yaml')).sort();

/** Property paths under `node` without a description; array items and map values stand for their parent. */
function undescribed(node: Json, path: string): string[] {
  const out: string[] = [];
  for (const [k, child] of Object.entries((node.properties as Record<string, Json> | undefined) ?? {})) {
    const p = `${path}.${k}`;
    if (typeof child.description !== 'string' || child.description.trim() === '') out.push(p);
    out.push(...undescribed(child, p));
  }
  if (node.items && typeof node.items === 'object') out.push(...undescribed(node.items as Json, `${path}[]`));
  if (node.additionalProperties && typeof node.additionalProperties === 'object') out.push(...undescribed(node.additionalProperties as Json, `${path}{}`));
  return out;
}

function rootSchemas(file: string): Json[] {
  const crd = parse(readFileSync(`${CRD_DIR}${file}`, 'utf8')) as { spec: { versions: Array<{ schema: { openAPIV3Schema: Json } }> } };
  return crd.spec.versions.map((v) => v.schema.openAPIV3Schema);
}

describe('every CRD property is described for kubectl explain', () => {
  it('finds the three CRDs', () => {
    expect(files).toHaveLength(3);
  });

  it.each(files)('%s: spec and status, nested, all have descriptions', (file) => {
    for (const root of rootSchemas(file)) {
      const props = root.properties as Record<string, Json>;
      expect(Object.keys(props)).toEqual(expect.arrayContaining(['spec', 'status']));
      const missing = ['spec', 'status'].flatMap((top) => [
        ...(typeof props[top]!.description === 'string' ? [] : [top]),
        ...undescribed(props[top]!, top),
      ]);
      expect(missing).toEqual([]);
    }
  });

  it('the walk sees nested status fields (a condition\'s reason)', () => {
    const root = rootSchemas(files.find((f) => f.includes('milvusindexes'))!)[0]!;
    const stripped = structuredClone(root);
    const cond = (((stripped.properties as Json).status as Json).properties as Json).conditions as Json;
    delete ((cond.items as Json).properties as Record<string, Json>).reason!.description;
    expect(undescribed((stripped.properties as Json).status as Json, 'status')).toContain('status.conditions[].reason');
  });
});
