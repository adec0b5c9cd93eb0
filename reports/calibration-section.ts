// The calibration table in report.html, when a result carries `extras.calibration`.
import type { CalibrationCheck } from '../result/extras.ts';
import { esc } from './escape.ts';
import { fmtNumber } from './format.ts';

export function calibrationSection(checks: CalibrationCheck[]): string {
  const passed = checks.filter((c) => c.pass).length;
  return `<h2>Calibration: injected faults, measured</h2>
<p>${passed} of ${checks.length} checks pass. A server with known faults must be measured as exactly those faults.</p>
<div class="scroll"><table><thead><tr><th>check</th><th>injected</th><th>expected</th><th>measured</th><th>tolerance</th><th>result</th><th>detail</th></tr></thead>
<tbody>${checks
    .map(
      (c) =>
        `<tr><td>${esc(c.name)}</td><td>${esc(c.injected)}</td><td>${esc(fmtNumber(c.expected))} ${esc(c.unit)}</td><td>${c.measured === null ? 'not measured' : `${esc(fmtNumber(c.measured))} ${esc(c.unit)}`}</td><td>${esc(c.tolerance)}</td><td><span class="badge ${c.pass ? 'completed' : 'failed'}">${c.pass ? 'pass' : 'fail'}</span></td><td>${esc(c.detail)}</td></tr>`,
    )
    .join('\n')}</tbody></table></div>`;
}
