// The conformance suite: the contract's shared checks (harness/servers/conformance.ts, the same ones
// `pushbench conform` runs) against every registered server that can run here, one test per rule.
// Select servers with PUSHBENCH_CONFORMANCE=name,name (default: every available one).
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { RunningServer } from '../lifecycle/server-process.ts';
import { CONFORMANCE_RULES, runRule, startForConformance } from './conformance.ts';
import { listServers } from './registry.ts';
import { unavailableReason } from './spec.ts';

const selected = process.env.PUSHBENCH_CONFORMANCE?.split(',').filter(Boolean);
// Broker targets speak no contract: harness/broker/*.test.ts checks their delivery instead.
const servers = listServers().filter((s) => !s.broker && (!selected || selected.includes(s.name)));

for (const spec of servers) {
  const reason = unavailableReason(spec);
  describe(`conformance: ${spec.name} (${spec.protocol})`, { skip: reason ?? false }, () => {
    let server: RunningServer;
    before(async () => {
      server = await startForConformance(spec);
    });
    after(async () => {
      await server?.stop();
    });

    for (const rule of CONFORMANCE_RULES) {
      it(`${rule.id}: ${rule.title}`, async (t) => {
        const outcome = await runRule(rule, spec, server);
        if (outcome.state === 'skip') {
          t.skip(outcome.reason);
          return;
        }
        assert.equal(outcome.state === 'fail' ? outcome.detail : 'pass', 'pass', `fix: ${rule.fix}`);
      });
    }
  });
}
