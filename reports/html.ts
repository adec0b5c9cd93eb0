// report.html: one self-contained file (inline CSS, charts as inline SVG, no script, no font, no
// CDN) that works offline and reads well on a phone. It reads only result files; every sentence
// in it is generated from them, and every piece of text from a result is HTML-escaped.
import type { ExtraName, RunExtras } from '../result/extras.ts';
import type { RunResult, StepResult } from '../result/result.ts';
import { browserSection } from './browser-section.ts';
import { brokersSection } from './brokers-section.ts';
import { calibrationSection } from './calibration-section.ts';
import { pathsSection } from './paths-section.ts';
import { profilesSection } from './profiles-section.ts';
import { allCharts, type Chart } from './charts.ts';
import { claimRows } from './claims.ts';
import { openingSentences } from './opening.ts';
import { esc, reasonHtml } from './escape.ts';
import { reasonHeadline } from '../result/reason.ts';
import { fmtBytes, fmtNumber, fmtUs } from './format.ts';
import { renderSvg } from './render.ts';
import { verdictRows, type VerdictRow } from './verdict.ts';
import { rampLimitText, TRANSPORT_TEXT } from './params-text.ts';

/** A section of report.html for one extra of a result (it escapes what it prints). */
export type ExtraRenderers = { [K in SectionName]?: (value: NonNullable<RunExtras[K]>, result: RunResult) => string };
type SectionName = Exclude<ExtraName, 'agents'>;

export const EXTRA_RENDERERS: ExtraRenderers = { calibration: calibrationSection, browser: browserSection, profiles: profilesSection, paths: pathsSection, brokers: brokersSection };

/** Navigation labels of the extras sections, when a result carries them. */
const EXTRA_TITLES: Record<SectionName, string> = { calibration: 'Calibration', browser: 'Browser checks', paths: 'Paths', profiles: 'Profiles', brokers: 'Broker targets' };
const isSection = (name: string): name is SectionName => Object.hasOwn(EXTRA_TITLES, name);

export interface HtmlOptions {
  /** Defaults to EXTRA_RENDERERS. */
  extraRenderers?: ExtraRenderers;
}

const CSS = `
:root{--fg:#1d2430;--muted:#5b6678;--line:#dde2ea;--ok:#1a7f37;--bad:#b42318;--warn:#9a6700;--bg:#fff;--soft:#f4f6f9;--accent:#0b57d0}
*{box-sizing:border-box}html{-webkit-text-size-adjust:100%}
body{margin:0;font:15px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:var(--fg);background:var(--bg)}
main{max-width:1160px;margin:0 auto;padding:16px}
h1{font-size:1.7em;line-height:1.2;margin:.3em 0 .2em}h2{font-size:1.3em;margin:2em 0 .6em;padding-bottom:.2em;border-bottom:1px solid var(--line)}h3{font-size:1.05em;margin:1.4em 0 .5em}
a{color:var(--accent)}.muted{color:var(--muted)}.small{font-size:.88em}
code{background:var(--soft);padding:1px 5px;border-radius:4px;font-size:.9em;overflow-wrap:anywhere}
nav{display:flex;flex-wrap:wrap;gap:6px 14px;margin:.8em 0;padding:8px 12px;background:var(--soft);border-radius:8px;font-size:.92em}
.scroll{overflow-x:auto;-webkit-overflow-scrolling:touch;max-width:100%}
table{border-collapse:collapse;width:100%;font-size:.9em}
th,td{border-bottom:1px solid var(--line);padding:6px 8px;text-align:left;vertical-align:top}
thead th{background:var(--soft);white-space:nowrap;font-weight:600}
th.topic{background:#eef2f8;font-weight:600;padding-top:10px}
td.verdict{font-weight:500}td.num{white-space:nowrap}
.badge{display:inline-block;padding:1px 8px;border-radius:10px;font-size:.78em;font-weight:600;color:#fff;white-space:nowrap}
.completed{background:var(--ok)}.invalid{background:var(--warn)}.failed{background:var(--bad)}
.runs{display:grid;grid-template-columns:repeat(auto-fit,minmax(min(100%,340px),1fr));gap:16px}
.run{border:1px solid var(--line);border-radius:10px;padding:12px 14px}.run h3{margin-top:0}
.run-body{display:grid;grid-template-columns:repeat(auto-fit,minmax(min(100%,320px),1fr));gap:4px 20px;align-items:start}
.cards{display:grid;grid-template-columns:repeat(auto-fit,minmax(90px,1fr));gap:8px;margin:.6em 0}
.card{background:var(--soft);border-radius:8px;padding:6px 10px}.card b{display:block;font-size:1.25em}
.env th{width:42%;font-weight:500;color:var(--muted);background:none;white-space:normal}
.charts{display:grid;grid-template-columns:repeat(auto-fit,minmax(min(100%,480px),1fr));gap:16px;align-items:start}
figure{margin:0;padding:12px;border:1px solid var(--line);border-radius:10px;min-width:0}
figure svg{display:block;max-width:100%;height:auto;margin:0 auto}
figcaption{color:var(--muted);font-size:.88em;margin-top:8px}
details{margin-top:.5em}summary{cursor:pointer;color:var(--accent)}details table{margin-top:6px}
ul.reasons{margin:.3em 0;padding-left:1.2em}
pre.tail{margin:.3em 0;padding:6px 8px;background:var(--soft);border-radius:6px;font-size:.85em;white-space:pre-wrap;overflow-wrap:anywhere;max-height:18em;overflow:auto}
p.answer{font-size:1.05em;max-width:75ch}
footer{margin:3em 0 1em;color:var(--muted);font-size:.85em}
@media (max-width:700px){
  main{padding:10px}h1{font-size:1.35em}body{font-size:14px}h2{margin-top:1.5em}
  figure{padding:8px 4px;border-left:0;border-right:0;border-radius:0}
  /* Tables of sentences become one card per row: label on the left, value on the right. */
  table.stack thead{display:none}
  table.stack tr{display:block;padding:8px 0;border-bottom:1px solid var(--line)}
  table.stack td,table.stack th.topic{display:block;border:0;padding:2px 4px}
  table.stack td[data-label]{display:grid;grid-template-columns:5.6em 1fr;gap:8px}
  table.stack td[data-label]::before{content:attr(data-label);color:var(--muted);font-size:.85em;font-weight:400;padding-top:.1em}
  table.stack td.lead{font-weight:600}table.stack td.lead::before{content:none}table.stack td.lead{display:block}
  table.stack td[data-label]>.badge{justify-self:start;align-self:center}
  table.stack td.verdict{margin-top:4px;background:var(--soft);border-radius:6px;padding:4px 6px}
}
`;

export async function renderHtml(results: RunResult[], opts: HtmlOptions = {}): Promise<string> {
  const renderers = opts.extraRenderers ?? EXTRA_RENDERERS;
  const labelled = results.length > 1;
  const charts = allCharts(results);
  const svgs = await Promise.all(charts.map((c) => renderSvg(c.spec)));
  const title = `pushbench: ${results.map((r) => r.label).join(' vs ')}`;
  const extras = results.map((r) => extrasSection(r, renderers, labelled)).join('\n');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<meta name="color-scheme" content="light"><meta name="generator" content="pushbench">
<title>${esc(title)}</title><style>${CSS}</style></head>
<body><main>
<header>
<h1>${esc(title)}</h1>
<p class="muted">Server-Sent Events vs WebSocket, measured by pushbench. Every figure below was measured in the run named and is a median over the valid repetitions of a step; steps that failed their validity checks are marked and left out of the figures.</p>
<nav aria-label="sections"><a href="#answer">Answer</a><a href="#runs">Runs &amp; environment</a><a href="#verdict">Verdict</a><a href="#claims">Claims</a><a href="#charts">Charts</a><a href="#validity">Validity</a><a href="#skipped">Skipped servers</a>${extraLinks(results, renderers)}</nav>
</header>
<section id="answer"><h2>The answer</h2>
${results.map((r) => `${labelled ? `<h3>${esc(r.label)}</h3>` : ''}<p class="answer">${openingSentences(r).map(esc).join(' ')}</p>`).join('\n')}</section>
<section id="runs"><h2>Runs &amp; environment</h2>
<div class="runs">${results.map(runCard).join('\n')}</div></section>
<section id="verdict"><h2>Verdict: SSE vs WebSocket</h2>
${results.map((r) => verdictSection(r, labelled)).join('\n')}</section>
<section id="claims"><h2>The write-up's claims, tested</h2>
<p class="muted">Claims of the Python SSE write-up pushbench grew out of; each verdict follows the rule beside it, from this run's figures.</p>
${results.map((r) => claimsSection(r, labelled)).join('\n')}</section>
<section id="charts"><h2>Charts</h2>
${charts.length === 0 ? '<p>No chart: the run has no valid measurement to plot.</p>' : `<div class="charts">${charts.map((c, i) => chartFigure(c, svgs[i]!)).join('\n')}</div>`}</section>
<section id="validity"><h2>Validity of every step</h2>
${results.map((r) => validitySection(r, labelled)).join('\n')}</section>
<section id="skipped"><h2>Skipped servers</h2>
${results.map((r) => skippedSection(r, labelled)).join('\n')}</section>
${extras}
<footer>Generated by pushbench from result files only; <code>pushbench report &lt;results.json…&gt;</code> renders this page again from them.</footer>
</main></body></html>
`;
}

function counts(r: RunResult): Record<StepResult['outcome']['state'], number> {
  const c = { completed: 0, invalid: 0, failed: 0 };
  for (const s of r.steps) c[s.outcome.state]++;
  return c;
}

function minutes(r: RunResult): string {
  const ms = Date.parse(r.finishedAt) - Date.parse(r.startedAt);
  if (!Number.isFinite(ms) || ms < 0) return '';
  return ms >= 120_000 ? `${fmtNumber(ms / 60_000)} min` : `${fmtNumber(ms / 1000)} s`;
}

function runCard(r: RunResult): string {
  const c = counts(r);
  const e = r.environment;
  const packages = Object.entries(e.packages)
    .map(([k, v]) => `${k} ${v}`)
    .join(', ');
  const env: [string, string][] = [
    ['CPU', `${e.cpuModel}, ${e.cores} cores`],
    ['memory', fmtBytes(e.memoryBytes)],
    ['kernel', `${e.platform} ${e.kernel}`],
    ['Node', e.node],
    ['packages', packages || 'none recorded'],
    ['open files per process', fmtNumber(e.openFileCap)],
    ['ephemeral ports', fmtNumber(e.ephemeralPorts)],
    ['git commit', e.gitSha ?? 'not a git checkout'],
    ['date', e.date],
  ];
  const took = minutes(r);
  return `<div class="run"><h3>${esc(r.label)}</h3>
<div class="run-body"><div>
<p class="small muted">started ${esc(r.startedAt.slice(0, 19).replace('T', ' '))} UTC${took ? `, took ${esc(took)}` : ''} · run ${esc(r.runId)}</p>
<div class="cards">
<div class="card"><span class="muted small">steps</span><b>${r.steps.length}</b></div>
<div class="card"><span class="muted small">completed</span><b style="color:var(--ok)">${c.completed}</b></div>
<div class="card"><span class="muted small">invalid</span><b style="color:var(--warn)">${c.invalid}</b></div>
<div class="card"><span class="muted small">failed</span><b style="color:var(--bad)">${c.failed}</b></div>
</div>
<p class="small">Command: <code>${esc(r.command)}</code></p>
${profiledNote(r)}</div>
<table class="env"><tbody>${env.map(([k, v]) => `<tr><th>${esc(k)}</th><td>${esc(v)}</td></tr>`).join('')}</tbody></table>
</div></div>`;
}

/** A profiled run says so beside its figures: they include the profiler's overhead. */
function profiledNote(r: RunResult): string {
  const profile = r.plan.profile ?? 'none';
  if (profile === 'none') return '';
  return `<p class="small"><b>Profiled run</b> (clinic <code>${esc(profile)}</code>): Node servers ran under the profiler, so these figures include its overhead; see <a href="#extra-profiles">Profiles</a>.</p>`;
}

/** A generated caveat: how many groups rest on a single valid repetition (no spread to judge noise). */
function repetitionNote(r: RunResult): string {
  const measured = r.groups.filter((g) => g.validRepetitions > 0);
  const single = measured.filter((g) => g.validRepetitions === 1).length;
  if (measured.length === 0) return '';
  if (single === 0) return `<p class="small muted">Every figure is a median over ${fmtNumber(Math.min(...measured.map((g) => g.validRepetitions)))} or more valid repetitions; ranges in brackets are min–max.</p>`;
  return `<p class="small muted">${single} of ${measured.length} measured groups have a single valid repetition: their figures have no spread, so a difference within what single runs of the same code moved by is called no clear difference. Ranges in brackets are min–max over repetitions.</p>`;
}

function verdictSection(r: RunResult, labelled: boolean): string {
  const rows = verdictRows(r);
  const heading = labelled ? `<h3>${esc(r.label)}</h3>` : '';
  if (rows.length === 0) return `${heading}<p>No SSE/WebSocket pair was measured in this run, so there is nothing to compare.</p>`;
  const manyPairs = new Set(rows.map((v) => v.pair)).size > 1;
  const topics: [string, VerdictRow[]][] = [];
  for (const v of rows) {
    const last = topics[topics.length - 1];
    if (last && last[0] === v.topic) last[1].push(v);
    else topics.push([v.topic, [v]]);
  }
  const body = topics
    .map(
      ([topic, list]) =>
        `<tr><th class="topic" colspan="5">${esc(topic)}</th></tr>\n${list
          .map(
            (v) =>
              `<tr><td class="lead" data-label="for">${manyPairs ? `<b>${esc(v.pair)}</b> · ` : ''}${esc(v.params)}</td><td data-label="SSE">${esc(v.sse)}</td><td data-label="WebSocket">${esc(v.ws)}</td><td data-label="tcp-floor">${esc(v.floor)}</td><td class="verdict" data-label="verdict">${esc(v.conclusion)}</td></tr>`,
          )
          .join('\n')}`,
    )
    .join('\n');
  return `${heading}${repetitionNote(r)}<div class="scroll"><table class="stack verdict-table">
<thead><tr><th>for</th><th>SSE</th><th>WebSocket</th><th>tcp-floor</th><th>verdict</th></tr></thead>
<tbody>${body}</tbody></table></div>`;
}

function claimsSection(r: RunResult, labelled: boolean): string {
  const rows = claimRows(r);
  return `${labelled ? `<h3>${esc(r.label)}</h3>` : ''}<div class="scroll"><table class="stack">
<thead><tr><th>claim</th><th>tested by</th><th>measured</th><th>verdict</th><th>rule</th></tr></thead>
<tbody>${rows.map((c) => `<tr><td class="lead" data-label="claim">${esc(c.claim)}</td><td data-label="tested by">${esc(c.test)}</td><td data-label="measured">${esc(c.measured)}</td><td class="verdict" data-label="verdict"><b>${esc(c.verdict)}</b>${c.note === null ? '' : `: ${esc(c.note)}`}</td><td class="muted" data-label="rule">${esc(c.rule)}</td></tr>`).join('\n')}</tbody>
</table></div>`;
}

function chartFigure(c: Chart, svg: string): string {
  return `<figure id="chart-${esc(c.id)}">${svg}
<figcaption><b>${esc(c.title)}.</b> ${esc(c.caption)}</figcaption>
<details><summary>data table (${c.rows.length} rows)</summary><div class="scroll"><table>
<thead><tr>${c.columns.map((h) => `<th>${esc(h)}</th>`).join('')}</tr></thead>
<tbody>${c.rows.map((row) => `<tr>${c.columns.map((h) => `<td>${esc(row[h] ?? '')}</td>`).join('')}</tr>`).join('\n')}</tbody>
</table></div></details></figure>`;
}

function stepSummary(s: StepResult): string {
  if (s.outcome.state === 'failed') return '';
  switch (s.kind) {
    case 'idle': {
      const m = s.outcome.metrics;
      // Results written before HTTP/2 support have no such field.
      const streams = m.streamsPerTcpConnection ?? null;
      const perTcp = streams === null ? '' : `, ${fmtNumber(streams)} streams per TCP connection`;
      return `${m.clientsHeld} held, server ${fmtBytes(m.serverBytesPerConnection)}/conn, client ${fmtBytes(m.clientBytesPerConnection)}/conn, ${fmtNumber(m.connectRatePerSecond)} connects/s (ramp: ${rampLimitText(m.ramp.limitedBy)})${perTcp}`;
    }
    case 'push': {
      const m = s.outcome.metrics;
      // Headroom: client CPU ÷ server CPU over the same window while the same events flow, i.e.
      // per delivered event; under 1 the instrument costs less than what it measures.
      const headroom = m.server.cpuPercent > 0 ? `, client ÷ server CPU per event ${fmtNumber(m.client.cpuPercentTotal / m.server.cpuPercent)}×` : '';
      const perEvent = m.clientCpuMsPer1kEvents === undefined ? '' : `, per event: ${fmtBytes(m.wireBytesPerEvent)} on the wire, server CPU ${fmtNumber(m.serverCpuMsPer1kEvents)} µs, client CPU ${fmtNumber(m.clientCpuMsPer1kEvents)} µs`;
      const binary = s.params.payload === 'binary' ? `, binary: ${fmtNumber(m.payloadBytesPerEvent ?? 0)} B decoded per event` : '';
      return `${m.received}/${m.expected} events, p50 ${fmtUs(m.latencyFromT0.p50)}, p99 ${fmtUs(m.latencyFromT0.p99)}, ${fmtNumber(m.deliveredPerSecond)}/s, client CPU max ${fmtNumber(m.client.cpuPercentMax)} %${headroom}${perEvent}${binary}`;
    }
    case 'reconnect': {
      const m = s.outcome.metrics;
      return `${m.disrupted} disrupted, 99 % back in ${m.timeTo99Ms === null ? 'n/a' : `${fmtNumber(m.timeTo99Ms)} ms`}, ${m.gaps} gaps, ${m.duplicates} duplicates, ${m.replayed} replayed, ${m.lostWithProcess} lost with the process`;
    }
    case 'upstream': {
      const m = s.outcome.metrics;
      return `${m.messagesSent}/${m.messagesScheduled} messages sent ${TRANSPORT_TEXT[s.params.transport]}, ${m.received}/${m.expected} delivered, send-to-receive p50 ${fmtUs(m.latencyFromT0.p50)}, p99 ${fmtUs(m.latencyFromT0.p99)}; per message: server CPU ${fmtNumber(m.serverCpuUsPerMessage)} µs, client CPU ${fmtNumber(m.clientCpuUsPerMessage)} µs, ${fmtNumber(m.requestsPerMessage)} requests, ${fmtBytes(m.bytesUpPerMessage)} up`;
    }
    case 'path': {
      const m = s.outcome.metrics;
      return `${m.pathDescription}: first event p50 ${fmtNumber(m.firstEventMs.p50)} ms (max ${fmtNumber(m.firstEventMs.max)} ms), p99 ${fmtUs(m.latencyFromT0.p99)}, ${m.received}/${m.expected} events`;
    }
    case 'sideload': {
      const m = s.outcome.metrics;
      return `${m.streamsHeld} streams held, ${fmtNumber(m.requestsPerSecond)} req/s, p99 ${fmtNumber(m.latencyMs.p99)} ms${m.ratioToBaseline === null ? '' : `, ${fmtNumber(m.ratioToBaseline)}× the no-stream baseline`}`;
    }
  }
}

function why(s: StepResult): string[] {
  const o = s.outcome;
  return o.state === 'failed' ? [o.reason] : o.state === 'invalid' ? o.reasons : [];
}

function paramsText(s: StepResult): string {
  return Object.entries(s.params)
    .map(([k, v]) => `${k}=${String(v)}`)
    .join(' ');
}

function badge(s: StepResult): string {
  return `<span class="badge ${esc(s.outcome.state)}">${esc(s.outcome.state)}</span>`;
}

function validitySection(r: RunResult, labelled: boolean): string {
  const c = counts(r);
  const problems = r.steps.filter((s) => s.outcome.state !== 'completed');
  const summary = `<p>${c.completed} of ${r.steps.length} steps completed${c.invalid > 0 ? `, ${c.invalid} invalid` : ''}${c.failed > 0 ? `, ${c.failed} failed` : ''}. An invalid step was measured but broke a validity check, so its figures are not used; a failed step could not be measured.</p>`;
  const problemTable =
    problems.length === 0
      ? ''
      : `<div class="scroll"><table class="stack"><thead><tr><th>state</th><th>step</th><th>parameters</th><th>why</th></tr></thead><tbody>${problems
          .map(
            (s) =>
              `<tr><td data-label="state">${badge(s)}</td><td data-label="step">${esc(s.kind)} · ${esc(s.server)} · rep ${esc(s.repetition)}</td><td data-label="parameters" class="small">${esc(paramsText(s))}</td><td data-label="why"><ul class="reasons">${why(s)
                .map((w) => `<li>${reasonHtml(w)}</li>`)
                .join('')}</ul></td></tr>`,
          )
          .join('\n')}</tbody></table></div>`;
  const all = `<details><summary>every step (${r.steps.length}) with its figures</summary><div class="scroll"><table>
<thead><tr><th>state</th><th>scenario</th><th>server</th><th>parameters</th><th>rep</th><th>figures</th><th>why</th></tr></thead>
<tbody>${r.steps
    .map((s) => `<tr><td>${badge(s)}</td><td>${esc(s.kind)}</td><td>${esc(s.server)}</td><td class="small">${esc(paramsText(s))}</td><td>${esc(s.repetition)}</td><td class="small">${esc(stepSummary(s))}</td><td>${esc(why(s).map(reasonHeadline).join('; '))}</td></tr>`)
    .join('\n')}</tbody></table></div></details>`;
  return `${labelled ? `<h3>${esc(r.label)}</h3>` : ''}${summary}${problemTable}${all}`;
}

function skippedSection(r: RunResult, labelled: boolean): string {
  const head = labelled ? `<h3>${esc(r.label)}</h3>` : '';
  if (r.skipped.length === 0) return `${head}<p>None: every server asked for ran.</p>`;
  return `${head}<ul>${r.skipped.map((s) => `<li><b>${esc(s.server)}</b>: ${esc(s.reason)}</li>`).join('')}</ul>`;
}

function extraLinks(results: RunResult[], renderers: ExtraRenderers): string {
  const names = [...new Set(results.flatMap((r) => Object.keys(r.extras)))].filter(isSection).filter((n) => renderers[n] !== undefined);
  return names.map((n) => `<a href="#extra-${esc(n)}">${esc(EXTRA_TITLES[n])}</a>`).join('');
}

function renderExtra<K extends SectionName>(name: K, r: RunResult, renderers: ExtraRenderers): string | null {
  const render = renderers[name];
  const value = r.extras[name];
  return render === undefined || value === undefined || value === null ? null : render(value, r);
}

function extrasSection(r: RunResult, renderers: ExtraRenderers, labelled: boolean): string {
  return Object.keys(r.extras)
    .filter(isSection)
    .map((name) => {
      let body: string | null;
      try {
        body = renderExtra(name, r, renderers);
      } catch (err) {
        // A section that cannot be drawn must not cost the reader the rest of the report.
        body = `<h2>${esc(name)}</h2><p>This section could not be rendered: ${esc((err as Error).message)}</p>`;
      }
      // extras nobody renders are kept in results.json, not shown
      return body === null ? '' : `<section id="extra-${esc(name)}"${labelled ? ` data-run="${esc(r.label)}"` : ''}>${body}</section>`;
    })
    .join('\n');
}
