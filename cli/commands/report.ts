// `pushbench report <results.json...>`: re-render reports from result files (several side by side).
import { dirname, resolve } from 'node:path';
import { ensureOutDir, readResult, writeReportFiles } from '../../harness/result-store.ts';
import { renderReports } from '../../reports/index.ts';

export async function reportCommand(paths: string[], opts: { out?: string }): Promise<void> {
  const results = paths.map(readResult);
  const dir = resolve(opts.out ?? dirname(paths[0]!));
  ensureOutDir(dir);
  const written = writeReportFiles(dir, await renderReports(results));
  process.stdout.write(`${written.html}\n${written.summary}\n`);
}
