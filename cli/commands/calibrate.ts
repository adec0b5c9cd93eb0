// `pushbench calibrate`: runs every injected fault at small N, prints pass/fail per check, writes
// a run folder (results.json with the checks in extras.calibration, report.html, summary.md).
// Exit 0 when every check passes, 1 otherwise.
import { rmSync } from 'node:fs';
import { EXIT } from '../../harness/errors.ts';
import { onInterrupted } from '../../harness/lifecycle/cleanup.ts';
import { stderrProgress } from '../../harness/progress-tracker.ts';
import { createRunFolder, writeReportFiles, writeResult } from '../../harness/result-store.ts';
import { renderReports } from '../../reports/index.ts';
import { calibrate } from '../../scenarios/calibrate.ts';
import { fmtNumber } from '../../reports/format.ts';
import { formatTable } from '../../reports/terminal.ts';

export async function calibrateCommand(opts: { out: string }, argv: string[]): Promise<number> {
  const { dir, runId } = createRunFolder(opts.out, 'calibrate');
  // Interrupted: a calibration is its checks, and a check needs every one of its steps; nothing
  // partial is worth keeping, so the new folder goes (cleanup.ts has ended every child first).
  const stopInterrupt = onInterrupted(async (signal) => {
    rmSync(dir, { recursive: true, force: true });
    process.stderr.write(`pushbench: calibration interrupted by ${signal}: a calibration is kept only whole, so ${dir} was removed\n`);
  });
  const startedAt = new Date().toISOString();
  const outcome = await calibrate(stderrProgress());
  stopInterrupt();
  const command = `pushbench ${argv.join(' ')}`;
  const result = writeResult(dir, { runId, label: 'calibrate', startedAt, command, plan: { calibrate: true }, steps: outcome.steps, knees: [], skipped: [], extras: { calibration: outcome.checks } });
  writeReportFiles(dir, await renderReports([result]));
  process.stdout.write(
    formatTable(
      ['check', 'injected', 'expected', 'measured', 'tolerance', 'result'],
      outcome.checks.map((c) => [c.name, c.injected, `${fmtNumber(c.expected)} ${c.unit}`, c.measured === null ? 'not measured' : `${fmtNumber(c.measured)} ${c.unit}`, c.tolerance, c.pass ? 'pass' : 'FAIL']),
    ),
  );
  process.stdout.write(`${dir}\n`);
  return outcome.checks.every((c) => c.pass) ? EXIT.ok : EXIT.failure;
}
