// A run's reports from its result files: report.html and summary.md, as text (the caller writes
// them beside results.json: harness/result-store.ts writeReportFiles).
import type { RunResult } from '../result/result.ts';
import { renderHtml } from './html.ts';
import { summaryMarkdown } from './summary-md.ts';

export async function renderReports(results: RunResult[]): Promise<{ html: string; summary: string }> {
  return { html: await renderHtml(results), summary: summaryMarkdown(results) };
}
