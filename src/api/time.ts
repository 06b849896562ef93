/** RFC 3339 with whole seconds (`2026-12-03T10:27:14Z`), as metav1.Time and our status timestamps. */
export function rfc3339(d: Date): string {
  return d.toISOString().replace(/\.\d{3}Z$/, 'Z');
}
