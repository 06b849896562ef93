import { Type, type Static } from '@sinclair/typebox';
import { StringEnum } from './schema-helpers.js';

/** metav1.Condition, as the API conventions define it. */
export const ConditionSchema = Type.Object(
  {
    type: Type.String({ description: 'Type of condition in CamelCase: Ready, Reconciling or Stalled.', maxLength: 316 }),
    status: StringEnum(['True', 'False', 'Unknown'] as const, { description: 'Status of the condition.' }),
    reason: Type.String({ description: 'CamelCase reason for the last transition.', maxLength: 1024 }),
    message: Type.String({ description: 'Human-readable message: what is true and what to do about it.', maxLength: 32768 }),
    lastTransitionTime: Type.String({ format: 'date-time', description: 'When the status last changed.' }),
    observedGeneration: Type.Optional(Type.Integer({ minimum: 0, description: 'The .metadata.generation the condition was set for.' })),
  },
  { description: 'A standard Kubernetes condition (metav1.Condition).' },
);
export type Condition = Static<typeof ConditionSchema>;

export const ConditionListSchema = Type.Array(ConditionSchema, {
  'x-kubernetes-list-type': 'map',
  'x-kubernetes-list-map-keys': ['type'],
  description: 'Ready summarises; Reconciling is True while work is under way; Stalled is True when progress needs a person.',
});
