// summary.md: the verdict table, the steps that did not complete, and (when compared with a
// baseline) the regressions — short enough for a pull-request comment. Text from the result is
// escaped: GitHub renders HTML inside Markdown, and a `|` would break a table.
import type { RunResult } from '../result/result.ts';
import { browserSummaryLine } from './browser-section.ts';
import { claimRows, pathSkips, verdictText } from './claims.ts';
import { compareMarkdown, type CompareOutcome } from './compare.ts';
import { escMd as md, reasonMd } from './escape.ts';
import { openingSentences } from './opening.ts';
import { verdictRows } from './verdict.ts';

/** Inline code that survives any text: backticks inside become quotes. */
function code(s: string): string {
  return `\`${s.replace(/`/g, "'").replace(/\r?\n/g, ' ')}\``;
}

export function summaryMarkdown(results: RunResult[], comparison: CompareOutcome | null = null): string {
  const out: string[] = [];
  for (const r of results) {
    const bad = r.steps.filter((s) => s.outcome.state !== 'completed');
    const e = r.environment;
    out.push(`## pushbench: ${md(r.label)}`, '');
    // The answer first, before any table.
    out.push(md(openingSentences(r).join(' ')), '');
    out.push(
      `${r.steps.length} steps, ${r.steps.length - bad.length} completed, ${bad.length} invalid or failed. ${md(`${e.cpuModel}, ${e.cores} cores, Node ${e.node}`)}${e.gitSha ? `, commit ${code(e.gitSha.slice(0, 12))}` : ''}. Reproduce: ${code(r.command)}`,
      '',
    );
    const rows = verdictRows(r);
    if (rows.length > 0) {
      const manyPairs = new Set(rows.map((v) => v.pair)).size > 1;
      out.push(`| ${manyPairs ? 'pair | ' : ''}question | SSE | WebSocket | tcp-floor | verdict |`, `| ${manyPairs ? '--- | ' : ''}--- | --- | --- | --- | --- |`);
      for (const v of rows) out.push(`| ${manyPairs ? `${md(v.pair)} | ` : ''}${md(v.question)} | ${md(v.sse)} | ${md(v.ws)} | ${md(v.floor)} | ${md(v.conclusion)} |`);
      out.push('');
    } else out.push('No SSE/WebSocket pair was measured.', '');
    // Every claim has a row: one not measured says why (often: what to install).
    out.push("### The write-up's claims, tested", '', '| claim | measured | verdict |', '| --- | --- | --- |');
    for (const c of claimRows(r)) out.push(`| ${md(c.claim)} | ${md(c.measured)} | ${md(verdictText(c))} |`);
    out.push('');
    for (const s of bad) {
      // A failed step's reason may carry the server's last output: a fenced block under the item.
      const why = s.outcome.state === 'failed' ? reasonMd(s.outcome.reason) : { line: md(s.outcome.state === 'invalid' ? s.outcome.reasons.join('; ') : ''), block: [] };
      out.push(`- **${md(s.outcome.state)}** ${md(s.kind)} ${md(s.server)} rep ${md(s.repetition)}: ${why.line}`, ...why.block);
    }
    for (const s of r.skipped) out.push(`- skipped ${md(s.server)}: ${md(s.reason)}`);
    for (const k of pathSkips(r)) out.push(`- skipped ${md(k.server)} via ${md(k.path)}: ${md(k.reason)}`);
    const browser = browserSummaryLine(r.extras?.browser);
    if (browser !== null) out.push(`- ${md(browser)}`);
    out.push('');
  }
  if (comparison) out.push('### Compared with the baseline', '', compareMarkdown(comparison));
  return `${out.join('\n').trimEnd()}\n`;
}
