// `tsx scripts/release-check.ts [--tag vX.Y.Z] [--owner OWNER] [--notes FILE]`: checks that the version,
// the chart, its default image, its Artifact Hub annotations and CHANGELOG.md agree (scripts/release-metadata.ts)
// and, with --tag/--owner, that they agree with the release being cut. --notes writes the version's
// CHANGELOG.md section (the GitHub release's notes). Exit 1 with every finding listed when something disagrees.
import { writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';

import { changelogSection, readReleaseFiles, releaseFindings, type ReleaseContext } from './release-metadata.js';

function main(): number {
  const { values } = parseArgs({ options: { tag: { type: 'string' }, owner: { type: 'string' }, notes: { type: 'string' } } });
  const context: ReleaseContext = { ...(values.tag ? { tag: values.tag } : {}), ...(values.owner ? { owner: values.owner } : {}) };
  const files = readReleaseFiles();
  const findings = releaseFindings(files, context);
  for (const f of findings) console.error(`release-check: ${f}`);
  if (findings.length > 0) return 1;
  const version = (JSON.parse(files.packageJson) as { version: string }).version;
  if (values.notes) writeFileSync(values.notes, `${changelogSection(files.changelog, version)?.body ?? ''}\n`);
  console.log(`release-check: version ${version}${context.tag ? `, tag ${context.tag}` : ''}${context.owner ? `, owner ${context.owner}` : ''}: consistent`);
  return 0;
}

process.exitCode = main();
