// `pushbench compare <baseline> <current>`: exit 0 ok, 1 regression, 2 usage error.
import { writeFileSync } from 'node:fs';
import { readResult } from '../../harness/result-store.ts';
import { compareMarkdown, compareResults } from '../../reports/compare.ts';
import type { ConfigFile } from '../config-file.ts';

export async function compareCommand(baselinePath: string, currentPath: string, config: ConfigFile | null, opts: { markdown?: string }): Promise<number> {
  const outcome = compareResults(readResult(baselinePath), readResult(currentPath), config?.thresholds ?? {});
  const text = compareMarkdown(outcome);
  process.stdout.write(text);
  if (opts.markdown) writeFileSync(opts.markdown, text);
  return outcome.exitCode;
}
