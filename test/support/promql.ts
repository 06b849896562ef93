// The metric names a PromQL expression reads, for the checks that the dashboard and the alerting rules query only
// what the operator exports. A small lexer, not a parser: it drops strings, label matchers, ranges and the label
// lists of by/without/on/ignoring/group_left/group_right, then keeps the identifiers that are neither functions,
// aggregations (followed by "(") nor keywords.

const KEYWORDS = new Set(['by', 'without', 'on', 'ignoring', 'group_left', 'group_right', 'bool', 'and', 'or', 'unless', 'offset', 'atan2', 'inf', 'nan']);

export function metricNames(expr: string): string[] {
  const stripped = expr
    .replace(/"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'|`[^`]*`/g, '""')
    .replace(/\{[^}]*\}/g, ' ')
    .replace(/\[[^\]]*\]/g, ' ')
    .replace(/\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, ' ');
  const names = new Set<string>();
  // Numbers and durations (0.5, 1e3, 5m) are lexed whole so that their units are not taken for names.
  for (const m of stripped.matchAll(/[0-9][0-9a-zA-Z_.]*|[a-zA-Z_:][a-zA-Z0-9_:]*/g)) {
    if (/^[0-9]/.test(m[0])) continue;
    const after = stripped.slice(m.index + m[0].length).trimStart();
    if (after.startsWith('(') || KEYWORDS.has(m[0].toLowerCase())) continue;
    names.add(m[0]);
  }
  return [...names];
}

/** Every `metric{...}` selector in `expr` with its matcher text (what is between the braces). */
export function selectors(expr: string): Array<{ metric: string; matchers: string }> {
  return [...expr.matchAll(/([a-zA-Z_:][a-zA-Z0-9_:]*)\{([^}]*)\}/g)].map((m) => ({ metric: m[1]!, matchers: m[2]! }));
}
