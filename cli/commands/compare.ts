// `pushbench compare <baseline> <current>`: exit 0 ok, 1 regression, 2 usage error.
import { writeFileSync } from 'node:fs';
import { UserError } from '../../harness/errors.ts';
import { readResult } from '../../harness/result-store.ts';
import { COMPARE_EXIT, compareMarkdown, compareResults } from '../../reports/compare.ts';
import type { ConfigFile } from '../config-file.ts';

export async function compareCommand(baselinePath: string, currentPath: string, config: ConfigFile | null, opts: { markdown?: string }): Promise<number> {
  const baseline = readResult(baselinePath);
  const current = readResult(currentPath);
  for (const [path, r] of [[baselinePath, baseline], [currentPath, current]] as const) {
    // Results written before --profile existed have no profile field: they were not profiled.
    const profile = r.plan.profile ?? 'none';
    if (profile !== 'none') throw new UserError(`${path} is a profiled run (--profile ${profile}): the profiler's overhead makes its figures incomparable; compare unprofiled runs`);
  }
  const outcome = compareResults(baseline, current, config?.thresholds ?? {});
  // Nothing in common that can be judged (another suite, an old single-repetition baseline): one line.
  if (outcome.refusal !== null) throw new UserError(`cannot compare ${currentPath} with ${baselinePath}: ${outcome.refusal}`);
  const text = compareMarkdown(outcome);
  process.stdout.write(text);
  if (opts.markdown) writeFileSync(opts.markdown, text);
  if (outcome.exitCode === COMPARE_EXIT.usage) {
    const first = outcome.unjudged[0]!;
    process.stderr.write(`pushbench: ${outcome.unjudged.length} figure(s) could not be judged, e.g. ${first.server} ${first.label} (${first.kind} ${first.params}): ${first.note}; exit 2\n`);
  }
  return outcome.exitCode;
}
