// `pushbench conform <server...>`: the contract's conformance checks (harness/servers/conformance.ts, the
// same list harness/servers/conformance.test.ts runs) against any server, built-in or from a config file.
// Each rule's verdict goes to stdout as it comes, with the fix for a failed one; exit 0 when every
// rule passed for every server, 1 when one failed (or a server could not start or run here).
import { EXIT, UserError } from '../../harness/errors.ts';
import { CONFORMANCE_RULES, checkServer, type RuleOutcome } from '../../harness/servers/conformance.ts';
import { CONTRACT_VERSION } from '../../servers/contract.ts';
import { getServer } from '../../harness/servers/registry.ts';
import { unavailableReason } from '../../harness/servers/spec.ts';

const LABEL: Record<RuleOutcome['state'], string> = { pass: 'pass', fail: 'FAIL', skip: 'skip' };

export async function conformCommand(names: string[]): Promise<number> {
  // Every name first: an unknown one is a usage error (exit 2) before any server starts.
  const specs = names.map((n) => getServer(n));
  const broker = specs.find((s) => s.broker);
  if (broker) throw new UserError(`${broker.name} is a broker target, not a contract server: conform checks contract servers; measure it with \`pushbench run --servers ${broker.name}\``);
  const idWidth = Math.max(...CONFORMANCE_RULES.map((r) => r.id.length));
  let failed = 0;
  for (const spec of specs) {
    const reason = unavailableReason(spec);
    if (reason !== null) {
      process.stdout.write(`${spec.name} (${spec.protocol}): cannot run here: ${reason}\n\n`);
      failed++;
      continue;
    }
    process.stdout.write(`${spec.name} (${spec.protocol}), contract v${CONTRACT_VERSION}:\n`);
    process.stderr.write(`starting ${spec.name}…\n`);
    // Detail lines sit under the rule's title.
    const indent = ' '.repeat(8 + idWidth);
    const report = await checkServer(spec, (rule, outcome) => {
      const line = `  ${LABEL[outcome.state]}  ${rule.id.padEnd(idWidth)}  ${rule.title}`;
      if (outcome.state === 'fail') process.stdout.write(`${line}\n${indent}got: ${outcome.detail}\n${indent}fix: ${rule.fix}\n`);
      else if (outcome.state === 'skip') process.stdout.write(`${line} (skipped: ${outcome.reason})\n`);
      else process.stdout.write(`${line}\n`);
    });
    if (report.startError !== null) {
      const got = report.startError.split('\n').join(`\n${indent}`);
      process.stdout.write(`  FAIL  ${'ready'.padEnd(idWidth)}  starts and answers GET /healthz 200\n${indent}got: ${got}\n\n`);
      failed++;
      continue;
    }
    const count = (s: RuleOutcome['state']) => report.results.filter((r) => r.outcome.state === s).length;
    process.stdout.write(`${spec.name}: ${count('pass')} passed, ${count('fail')} failed, ${count('skip')} skipped\n\n`);
    if (count('fail') > 0) failed++;
  }
  const verdict = failed === 0 ? `every rule passed (${specs.length} server${specs.length === 1 ? '' : 's'})` : `${failed} of ${specs.length} server${specs.length === 1 ? '' : 's'} broke the contract or could not be checked`;
  process.stdout.write(`${verdict}\n`);
  return failed === 0 ? EXIT.ok : EXIT.failure;
}
