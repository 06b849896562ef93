// matchesSelector as a decision table: metav1.LabelSelector semantics (every matchLabels pair and
// every expression must hold; NotIn and DoesNotExist match an absent key; the empty selector
// matches everything). Used by ClusterMilvusConnection.allowedNamespaces (design §1).
import { describe, expect, it } from 'vitest';
import { matchesSelector, type LabelSelector } from '../../src/api/label-selector.js';

interface Row {
  name: string;
  reason: string;
  given: { selector: LabelSelector; labels: Record<string, string> };
  want: boolean;
}

const PROD = { 'milvus-access': 'prod', team: 'search' };

const rows: Row[] = [
  // empty selector
  { name: 'empty selector, labelled namespace', reason: 'an empty selector matches everything', given: { selector: {}, labels: PROD }, want: true },
  { name: 'empty selector, no labels', reason: 'an empty selector matches everything, even an unlabelled namespace', given: { selector: {}, labels: {} }, want: true },
  { name: 'empty matchLabels and matchExpressions', reason: 'empty lists impose nothing', given: { selector: { matchLabels: {}, matchExpressions: [] }, labels: {} }, want: true },

  // matchLabels
  { name: 'matchLabels: one pair present', reason: 'the pair holds', given: { selector: { matchLabels: { 'milvus-access': 'prod' } }, labels: PROD }, want: true },
  { name: 'matchLabels: all pairs present', reason: 'every pair holds', given: { selector: { matchLabels: { 'milvus-access': 'prod', team: 'search' } }, labels: PROD }, want: true },
  { name: 'matchLabels: one of two pairs differs', reason: 'every pair must hold', given: { selector: { matchLabels: { 'milvus-access': 'prod', team: 'ml' } }, labels: PROD }, want: false },
  { name: 'matchLabels: value differs', reason: 'values compare exactly', given: { selector: { matchLabels: { 'milvus-access': 'staging' } }, labels: PROD }, want: false },
  { name: 'matchLabels: value differs in case', reason: 'label values are case-sensitive', given: { selector: { matchLabels: { 'milvus-access': 'Prod' } }, labels: PROD }, want: false },
  { name: 'matchLabels: key absent', reason: 'an absent key never equals a value', given: { selector: { matchLabels: { 'milvus-access': 'prod' } }, labels: { team: 'search' } }, want: false },
  { name: 'matchLabels: empty value, key absent', reason: 'absent is not the same as empty', given: { selector: { matchLabels: { flag: '' } }, labels: {} }, want: false },
  { name: 'matchLabels: empty value, key present and empty', reason: 'an empty value is a value', given: { selector: { matchLabels: { flag: '' } }, labels: { flag: '' } }, want: true },
  { name: 'matchLabels: key named like an Object method', reason: 'prototype properties are not labels', given: { selector: { matchLabels: { toString: 'x' } }, labels: {} }, want: false },

  // In
  { name: 'In: value listed', reason: 'the value is one of the values', given: { selector: { matchExpressions: [{ key: 'milvus-access', operator: 'In', values: ['staging', 'prod'] }] }, labels: PROD }, want: true },
  { name: 'In: value not listed', reason: 'the value must be one of the values', given: { selector: { matchExpressions: [{ key: 'milvus-access', operator: 'In', values: ['staging', 'dev'] }] }, labels: PROD }, want: false },
  { name: 'In: key absent', reason: 'In needs the key', given: { selector: { matchExpressions: [{ key: 'tier', operator: 'In', values: ['prod'] }] }, labels: PROD }, want: false },
  { name: 'In: no values', reason: 'nothing is in an empty set', given: { selector: { matchExpressions: [{ key: 'milvus-access', operator: 'In', values: [] }] }, labels: PROD }, want: false },
  { name: 'In: key named like an Object method', reason: 'prototype properties are not labels', given: { selector: { matchExpressions: [{ key: 'constructor', operator: 'In', values: ['x'] }] }, labels: {} }, want: false },

  // NotIn
  { name: 'NotIn: value not listed', reason: 'the value is outside the values', given: { selector: { matchExpressions: [{ key: 'milvus-access', operator: 'NotIn', values: ['dev'] }] }, labels: PROD }, want: true },
  { name: 'NotIn: value listed', reason: 'the value must be outside the values', given: { selector: { matchExpressions: [{ key: 'milvus-access', operator: 'NotIn', values: ['dev', 'prod'] }] }, labels: PROD }, want: false },
  { name: 'NotIn: key absent', reason: 'Kubernetes: NotIn matches when the key is absent', given: { selector: { matchExpressions: [{ key: 'tier', operator: 'NotIn', values: ['prod'] }] }, labels: PROD }, want: true },

  // Exists / DoesNotExist
  { name: 'Exists: key present', reason: 'any value', given: { selector: { matchExpressions: [{ key: 'team', operator: 'Exists' }] }, labels: PROD }, want: true },
  { name: 'Exists: key present with an empty value', reason: 'present is present', given: { selector: { matchExpressions: [{ key: 'flag', operator: 'Exists' }] }, labels: { flag: '' } }, want: true },
  { name: 'Exists: key absent', reason: 'the key must be there', given: { selector: { matchExpressions: [{ key: 'tier', operator: 'Exists' }] }, labels: PROD }, want: false },
  { name: 'Exists: key named like an Object method', reason: 'prototype properties are not labels', given: { selector: { matchExpressions: [{ key: 'hasOwnProperty', operator: 'Exists' }] }, labels: {} }, want: false },
  { name: 'DoesNotExist: key absent', reason: 'the key must not be there', given: { selector: { matchExpressions: [{ key: 'quarantined', operator: 'DoesNotExist' }] }, labels: PROD }, want: true },
  { name: 'DoesNotExist: key present', reason: 'the key must not be there, whatever its value', given: { selector: { matchExpressions: [{ key: 'team', operator: 'DoesNotExist' }] }, labels: PROD }, want: false },

  // combinations: AND
  { name: 'matchLabels and expressions all hold', reason: 'everything is ANDed', given: { selector: { matchLabels: { 'milvus-access': 'prod' }, matchExpressions: [{ key: 'team', operator: 'In', values: ['search'] }, { key: 'quarantined', operator: 'DoesNotExist' }] }, labels: PROD }, want: true },
  { name: 'matchLabels hold, one expression fails', reason: 'everything is ANDed', given: { selector: { matchLabels: { 'milvus-access': 'prod' }, matchExpressions: [{ key: 'team', operator: 'NotIn', values: ['search'] }] }, labels: PROD }, want: false },
  { name: 'expressions hold, matchLabels fail', reason: 'everything is ANDed', given: { selector: { matchLabels: { 'milvus-access': 'dev' }, matchExpressions: [{ key: 'team', operator: 'Exists' }] }, labels: PROD }, want: false },
  { name: 'two expressions on one key', reason: 'both must hold', given: { selector: { matchExpressions: [{ key: 'team', operator: 'Exists' }, { key: 'team', operator: 'NotIn', values: ['ml'] }] }, labels: PROD }, want: true },
];

describe('matchesSelector', () => {
  it.each(rows)('$name', ({ reason, given, want }) => {
    expect(matchesSelector(given.selector, given.labels), reason).toBe(want);
  });

  it('does not modify the selector or the labels', () => {
    const selector: LabelSelector = { matchLabels: { a: 'b' }, matchExpressions: [{ key: 'c', operator: 'In', values: ['d'] }] };
    const labels = { a: 'b', c: 'd' };
    const before = structuredClone({ selector, labels });
    matchesSelector(selector, labels);
    expect({ selector, labels }).toEqual(before);
  });
});
