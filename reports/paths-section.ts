// The "Paths" section of report.html: per server, each path next to direct measured in the same
// run — time to the first event, latency, what was delivered — and the paths that could not run.
import type { PathsExtra } from '../result/extras.ts';
import type { RunResult, StepResult } from '../result/result.ts';
import { esc, reasonHtml } from './escape.ts';
import { fmtNumber, fmtUs } from './format.ts';

type PathStep = Extract<StepResult, { kind: 'path' }>;

/** The extras entry the path scenario leaves, rendered as the section (steps come from the result). */
export function pathsSection({ skips }: PathsExtra, result: RunResult): string {
  const steps = result.steps.filter((s): s is PathStep => s.kind === 'path');
  const servers = [...new Set(steps.map((s) => s.server))];
  const tables = servers.map((server) => serverTable(server, steps.filter((s) => s.server === server))).join('\n');
  const skipped = skips.length === 0 ? '' : `<h3>Paths not measured</h3><ul>${skips.map((k) => `<li><b>${esc(k.server)}</b> via <code>${esc(k.path)}</code>: ${esc(k.reason)}</li>`).join('')}</ul>`;
  return `<h2>Paths: direct, nginx and impaired networks</h2>
<p>The same push (the window starts at the stream's first event) over each path, next to direct measured in the same run. <i>First event</i> is the time from the first event's intended send time to its arrival, per client: a buffering proxy shows here first. Over a path other than direct, events not delivered within the wait are a finding, not an invalid step.</p>
${tables || '<p>No path step ran.</p>'}
${skipped}`;
}

function serverTable(server: string, steps: PathStep[]): string {
  const direct = steps.find((s) => s.params.path === 'direct' && s.outcome.state === 'completed');
  const directP50 = direct && direct.outcome.state === 'completed' ? direct.outcome.metrics.latencyFromT0.p50 : null;
  const rows = steps.map((s) => {
    const o = s.outcome;
    if (o.state !== 'completed') {
      const why = o.state === 'failed' ? o.reason : o.reasons.join('; ');
      return `<tr><td><code>${esc(s.params.path)}</code></td><td colspan="6"><span class="badge ${esc(o.state)}">${esc(o.state)}</span> ${reasonHtml(why)}</td></tr>`;
    }
    const m = o.metrics;
    if (m.handshake?.opened === 0) {
      const got = m.handshake.statuses.map((x) => `HTTP ${x.status} × ${x.count}`).join(', ');
      return `<tr><td><code>${esc(s.params.path)}</code><br><span class="small muted">${esc(m.pathDescription)}</span></td><td colspan="6"><b>handshake refused</b>: every client's ${s.protocol === 'ws' ? 'WebSocket upgrade' : 'stream request'} was answered ${esc(got)}; no stream opened (a finding of this path, not a failed measurement)</td></tr>`;
    }
    const added = directP50 !== null && s.params.path !== 'direct' ? `${m.latencyFromT0.p50 >= directP50 ? '+' : '−'}${fmtUs(Math.abs(m.latencyFromT0.p50 - directP50))}` : '';
    const delivered = `${fmtNumber(m.received)} of ${fmtNumber(m.expected)}${m.gaps > 0 ? `, ${m.gaps} gaps` : ''}${m.duplicates > 0 ? `, ${m.duplicates} duplicates` : ''}`;
    const perTcp = m.streamsPerTcpConnection === null ? '' : `, ${fmtNumber(m.streamsPerTcpConnection)} streams per TCP connection`;
    return `<tr><td><code>${esc(s.params.path)}</code><br><span class="small muted">${esc(m.pathDescription)}${esc(perTcp)}</span></td><td>${esc(fmtNumber(m.firstEventMs.p50))} ms</td><td>${esc(fmtNumber(m.firstEventMs.max))} ms</td><td>${esc(fmtUs(m.latencyFromT0.p50))}</td><td>${esc(fmtUs(m.latencyFromT0.p99))}</td><td>${esc(added)}</td><td>${esc(delivered)}</td></tr>`;
  });
  const p = steps[0]!.params;
  return `<h3>${esc(server)} <span class="muted small">(${esc(p.clients)} clients, ${esc(p.rate)}/s, ${esc(p.bytes)} B, ${esc(p.durationMs)} ms)</span></h3>
<div class="scroll"><table><thead><tr><th>path</th><th>first event p50</th><th>first event max</th><th>p50 from t0</th><th>p99 from t0</th><th>p50 added vs direct</th><th>delivered</th></tr></thead>
<tbody>${rows.join('\n')}</tbody></table></div>`;
}
