// The "Profiles" section of report.html for a run made with `--profile`: one link per profiled
// server start to clinic's own HTML in the run folder, and the servers that ran unprofiled.
import type { ProfilesExtra } from '../result/extras.ts';
import { esc, link } from './escape.ts';

const TOOL_TITLES: Record<ProfilesExtra['profiler'], string> = {
  flame: 'flame graph',
  doctor: 'doctor report',
  heapprofiler: 'heap profile',
};

export function profilesSection(p: ProfilesExtra): string {
  const title = TOOL_TITLES[p.profiler];
  const unprofiled = p.unprofiled.length === 0 ? '' : `<p>Profiling supports Node servers only: ${p.unprofiled.map((s) => `<b>${esc(s)}</b>`).join(', ')} ran unprofiled.</p>`;
  const intro = `<h2>Profiles (clinic ${esc(p.profiler)})</h2>
<p>Node servers ran under clinic.js <code>${esc(p.profiler)}</code>: every figure of this run includes the profiler's overhead, so compare it only with other runs profiled the same way. Each server start (one per session of steps) wrote one ${esc(title)}; links are relative to the run folder.</p>
${unprofiled}`;
  if (p.records.length === 0) return `${intro}<p><b>No profile was written</b>: every profiled server was killed before it could write one (a restart-mode reconnect kills the server on purpose), or clinic failed; the server logs say which.</p>`;
  const rows = p.records
    .map((r) => `<tr><td>${esc(r.server)}</td><td>${esc(r.startedAt.slice(11, 19))}–${esc(r.finishedAt.slice(11, 19))} UTC</td><td>${link(`${p.folder}/${r.html}`, title)}</td></tr>`)
    .join('\n');
  return `${intro}<div class="scroll"><table><thead><tr><th>server</th><th>profiled</th><th>profile</th></tr></thead><tbody>${rows}</tbody></table></div>`;
}
