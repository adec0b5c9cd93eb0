// summary.md: the verdict table (and the regressions, when compared) for pull-request comments.
import type { RunResult } from '../harness/result.ts';
import { compareMarkdown, type CompareOutcome } from './compare.ts';
import { verdictRows } from './verdict.ts';
import { claimRows } from './claims.ts';

function md(s: string): string {
  return s.replace(/\|/g, '\\|').replace(/</g, '&lt;').replace(/\n/g, ' ');
}

export function summaryMarkdown(results: RunResult[], comparison: CompareOutcome | null = null): string {
  const out: string[] = [];
  for (const r of results) {
    const bad = r.steps.filter((s) => s.outcome.state !== 'completed');
    out.push(`## pushbench: ${md(r.label)}`, '');
    out.push(`${r.steps.length} steps, ${r.steps.length - bad.length} completed, ${bad.length} invalid or failed. Reproduce: \`${md(r.command)}\``, '');
    const rows = verdictRows(r);
    if (rows.length > 0) {
      out.push('| pair | question | SSE | WebSocket | tcp-floor | verdict |', '| --- | --- | --- | --- | --- | --- |');
      for (const v of rows) out.push(`| ${md(v.pair)} | ${md(v.question)} | ${md(v.sse)} | ${md(v.ws)} | ${md(v.floor)} | ${md(v.conclusion)} |`);
      out.push('');
    } else out.push('No SSE/WS pair was measured.', '');
    const claims = claimRows(r).filter((c) => c.verdict !== 'not measured');
    if (claims.length > 0) {
      out.push("### The write-up's claims, tested", '', '| claim | measured | verdict |', '| --- | --- | --- |');
      for (const c of claims) out.push(`| ${md(c.claim)} | ${md(c.measured)} | ${c.verdict} |`);
      out.push('');
    }
    for (const s of bad) {
      const why = s.outcome.state === 'failed' ? s.outcome.reason : s.outcome.state === 'invalid' ? s.outcome.reasons.join('; ') : '';
      out.push(`- **${s.outcome.state}** ${md(s.kind)} ${md(s.server)} rep ${s.repetition}: ${md(why)}`);
    }
    for (const s of r.skipped) out.push(`- skipped ${md(s.server)}: ${md(s.reason)}`);
    out.push('');
  }
  if (comparison) out.push('### Compared with the baseline', '', compareMarkdown(comparison));
  return `${out.join('\n').trimEnd()}\n`;
}
