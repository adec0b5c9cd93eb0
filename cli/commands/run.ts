// `pushbench run`: flags → validated plan → run → results.json, report.html, summary.md, and a
// summary table on stdout. The last stdout line is the run folder (scripts and CI read it).
import { contractViolations } from '../../harness/control.ts';
import { EXIT } from '../../harness/errors.ts';
import { stderrProgress } from '../../harness/progress-tracker.ts';
import { writeReportFiles } from '../../harness/result-store.ts';
import { renderReports } from '../../reports/index.ts';
import { runPlan } from '../../scenarios/run.ts';
import { resolvePlan } from '../../scenarios/schema.ts';
import { summaryTable } from '../../reports/terminal.ts';
import type { ConfigFile } from '../config-file.ts';
import { buildPlanInput, type RunFlags } from '../run-options.ts';

export async function runCommand(flags: RunFlags, config: ConfigFile | null, argv: string[]): Promise<number> {
  const plan = resolvePlan(buildPlanInput(flags, config), config ? `plan (flags and ${config.path})` : 'plan (flags)');
  const outcome = await runPlan(plan, {
    command: `pushbench ${argv.join(' ')}`,
    progress: stderrProgress(),
    afterRun: async (result, runDir) => {
      writeReportFiles(runDir, await renderReports([result]));
    },
  });
  process.stdout.write(summaryTable(outcome.result));
  const { steps } = outcome.result;
  const bad = steps.filter((s) => s.outcome.state !== 'completed').length;
  process.stdout.write(`\n${steps.length} steps, ${steps.length - bad} completed, ${bad} invalid or failed\n`);
  process.stdout.write(`${outcome.runDir}\n`);
  // A server that broke the contract is a failure whatever the other servers did: its steps hold
  // no figures, and the one line per violation says what to fix (README "Adding your own server").
  const violations = contractViolations();
  for (const line of violations) process.stderr.write(`pushbench: ${line}\n`);
  if (violations.length > 0) return EXIT.failure;
  // A run whose every step failed is a failure; invalid steps are results (they say why).
  return steps.length > 0 && steps.every((s) => s.outcome.state === 'failed') ? EXIT.failure : EXIT.ok;
}
