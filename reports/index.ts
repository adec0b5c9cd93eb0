// Writes a run's reports beside its results.json, atomically.
import { join } from 'node:path';
import type { RunResult } from '../harness/result.ts';
import { writeTextAtomic } from '../harness/result-store.ts';
import { renderHtml } from './html.ts';
import { summaryMarkdown } from './summary-md.ts';

export async function writeReports(dir: string, results: RunResult[]): Promise<{ html: string; summary: string }> {
  const html = join(dir, 'report.html');
  const summary = join(dir, 'summary.md');
  writeTextAtomic(html, await renderHtml(results));
  writeTextAtomic(summary, summaryMarkdown(results));
  return { html, summary };
}
