// `pushbench conform`: the shared rules against a built-in server (all pass, exit 0), against a
// user's server from a config that breaks one rule (that rule fails with its fix, exit 1), and
// usage errors (exit 2). Each case spawns the real bin; servers get free ports (port 0 probes).
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, it } from 'node:test';
import { backlogUnavailableReason, CONFORMANCE_RULES } from '../../harness/servers/conformance.ts';
import { writeBreakerConfig } from '../../harness/servers/fixtures/breaker-config.ts';

const bin = fileURLToPath(new URL('../../bin/pushbench.js', import.meta.url));

function pushbench(...args: string[]): { code: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8', timeout: 120_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** rule id → pass/FAIL/skip from conform's output. */
function verdicts(stdout: string): Map<string, string> {
  const m = new Map<string, string>();
  for (const line of stdout.split('\n')) {
    const hit = /^ {2}(pass|FAIL|skip) {2}(\S+)/.exec(line);
    if (hit) m.set(hit[2]!, hit[1]!);
  }
  return m;
}

const tmp = () => mkdtempSync(join(tmpdir(), 'pb-conform-'));

// The backlog rule reads `ss` (iproute2, the netns part): where it is missing or hidden by
// PUSHBENCH_WITHOUT, that rule is skipped with the probe's reason and every count shifts by one.
const noBacklog = backlogUnavailableReason();
const SKIPS = noBacklog === null ? 0 : 1;
/** conform's count line for a server with `failed` failed rules and `skipped` skipped ones besides the backlog rule. */
const tally = (name: string, failed: number, skipped = 0) => `${name}: ${CONFORMANCE_RULES.length - failed - SKIPS - skipped} passed, ${failed} failed, ${SKIPS + skipped} skipped`;

describe('pushbench conform', () => {
  it('node-sse passes every rule, exit 0', () => {
    const r = pushbench('conform', 'node-sse');
    assert.equal(r.code, 0, r.stdout + r.stderr);
    const v = verdicts(r.stdout);
    assert.deepEqual([...v.keys()], CONFORMANCE_RULES.map((x) => x.id));
    assert.deepEqual(
      [...v.entries()].filter(([, x]) => x !== 'pass'),
      noBacklog === null ? [] : [['backlog', 'skip']],
      r.stdout,
    );
    if (noBacklog !== null) assert.ok(r.stdout.includes(`(skipped: ${noBacklog})`), r.stdout);
    assert.equal(CONFORMANCE_RULES.length, 14);
    assert.ok(r.stdout.split('\n').includes(tally('node-sse', 0)), r.stdout);
    assert.equal(r.stdout.trim().split('\n').at(-1), 'every rule passed (1 server)');
  });

  it('a config server without heartbeats fails that rule alone, with what it saw and the fix, exit 1', () => {
    const r = pushbench('conform', 'my-sse', '--config', writeBreakerConfig(tmp(), 'no-heartbeat'));
    assert.equal(r.code, 1, r.stdout + r.stderr);
    const v = verdicts(r.stdout);
    // The fixture's core speaks no messages addition (a v1 server there): those rules skip.
    assert.deepEqual(
      [...v.entries()].filter(([, x]) => x !== 'pass'),
      [['heartbeat', 'FAIL'], ['messages', 'skip'], ['messages-refused', 'skip'], ...(noBacklog === null ? [] : [['backlog', 'skip']])],
    );
    const lines = r.stdout.split('\n');
    const at = lines.findIndex((l) => l.startsWith('  FAIL  heartbeat'));
    assert.match(lines[at + 1]!, /^ +got: timed out waiting for two heartbeats within 3000 ms$/);
    assert.match(lines[at + 2]!, /^ +fix: read PUSHBENCH_HEARTBEAT_MS and send the heartbeat on every idle stream at that interval$/);
    assert.ok(r.stdout.split('\n').includes(tally('my-sse', 1, 2)), r.stdout);
    assert.equal(r.stdout.trim().split('\n').at(-1), '1 of 1 server broke the contract or could not be checked');
  });

  it('a /healthz without lastSeq fails the rules that read it, naming the field, exit 1', () => {
    const r = pushbench('conform', 'my-sse', '--config', writeBreakerConfig(tmp(), 'no-lastSeq'));
    assert.equal(r.code, 1, r.stdout + r.stderr);
    const v = verdicts(r.stdout);
    assert.deepEqual(
      [...v.entries()].filter(([, x]) => x === 'FAIL').map(([id]) => id),
      ['healthz', 'healthz-counts', 'reset', 'binary'],
    );
    assert.match(r.stdout, /^ +got: \/healthz has no "lastSeq" \(contract v1: the last seq this process emitted\)$/m);
  });

  it('a server that cannot run here or never becomes ready is a failure, exit 1, and the others still run', () => {
    const dir = tmp();
    const path = join(dir, 'two.json');
    writeFileSync(
      path,
      JSON.stringify({
        servers: [
          { name: 'missing', protocol: 'sse', command: './no-such-binary' },
          { name: 'quitter', protocol: 'sse', command: process.execPath, args: ['-e', 'process.exit(3)'] },
        ],
      }),
    );
    const r = pushbench('conform', 'missing', 'quitter', 'tcp-floor', '--config', path);
    assert.equal(r.code, 1, r.stdout + r.stderr);
    assert.match(r.stdout, /^missing \(sse\): cannot run here: command not found: \.\/no-such-binary$/m);
    assert.match(r.stdout, /^ {2}FAIL {2}ready +starts and answers GET \/healthz 200\n +got: server quitter exited with code 3 before it became ready/m);
    // tcp-floor takes no upstream: the messages rules skip, with the reason.
    assert.ok(r.stdout.split('\n').includes(tally('tcp-floor', 0, 2)), r.stdout);
    assert.equal(r.stdout.trim().split('\n').at(-1), '2 of 3 servers broke the contract or could not be checked');
  });

  it('usage errors are one line, exit 2, before any server starts', () => {
    const unknown = pushbench('conform', 'node-sse', 'nope');
    assert.equal(unknown.code, 2);
    assert.match(unknown.stderr.trim(), /^pushbench: unknown server "nope"; known servers: node-sse, /);
    assert.equal(unknown.stdout, '', 'nothing checked');
    const dir = tmp();
    const bad = join(dir, 'bad.json');
    writeFileSync(bad, '{"servers":[{"name":"x"}]}');
    const badConfig = pushbench('conform', 'x', '--config', bad);
    assert.equal(badConfig.code, 2);
    assert.match(badConfig.stderr, new RegExp(`^pushbench: invalid config file ${bad.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:`));
    const none = pushbench('conform');
    assert.equal(none.code, 2);
    assert.match(none.stderr, /missing required argument 'servers'/);
  });
});
