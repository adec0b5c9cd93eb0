// The command line's promises: one readable line for bad input, exit 2 for usage errors, and the
// server table. Each case spawns the real `pushbench` bin.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync, readdirSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, it } from 'node:test';

const bin = fileURLToPath(new URL('../bin/pushbench.js', import.meta.url));

function pushbench(...args: string[]): { code: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8', timeout: 60_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('pushbench CLI', () => {
  it('lists the five Node servers as available', () => {
    const r = pushbench('servers', '--json');
    assert.equal(r.code, 0);
    const rows = JSON.parse(r.stdout) as { name: string; available: boolean; protocol: string; pair: string }[];
    for (const name of ['node-sse', 'node-ws', 'express-sse', 'express-ws', 'tcp-floor']) {
      const row = rows.find((x) => x.name === name);
      assert.ok(row, `${name} is listed`);
      assert.equal(row.available, true, `${name} is available`);
    }
    assert.deepEqual(
      rows.filter((x) => x.pair === 'node').map((x) => `${x.name}:${x.protocol}`),
      ['node-sse:sse', 'node-ws:ws', 'node-sse-h2:sse-h2'],
    );
  });

  it('an unknown server lists the known names, exit 2', () => {
    const r = pushbench('serve', 'nope');
    assert.equal(r.code, 2);
    assert.match(r.stderr, /^pushbench: unknown server "nope"; known servers: node-sse, node-ws, express-sse, express-ws, tcp-floor/m);
  });

  it('an unknown scenario is one line, exit 2', () => {
    const r = pushbench('run', '--scenario', 'nap', '--out', mkdtempSync(join(tmpdir(), 'pb-')));
    assert.equal(r.code, 2);
    assert.equal(r.stderr.trim(), 'pushbench: unknown scenario "nap"; scenarios: idle, push, reconnect, sideload, path, browser, upstream');
  });

  it('zero, negative and non-numeric client counts are rejected with their path, exit 2, nothing written', () => {
    const out = mkdtempSync(join(tmpdir(), 'pb-'));
    const zero = pushbench('run', '--scenario', 'idle', '--servers', 'node-sse', '--clients', '0,-5', '--out', out);
    assert.equal(zero.code, 2);
    assert.match(zero.stderr, /^pushbench: invalid plan \(flags\):\n {2}- scenarios\.0\.clients\.0: .*\n {2}- scenarios\.0\.clients\.1: /);
    const abc = pushbench('run', '--scenario', 'idle', '--clients', 'abc', '--out', out);
    assert.equal(abc.code, 2);
    assert.equal(abc.stderr.trim(), 'pushbench: --clients: "abc" is not a number (expected e.g. --clients 1000,5000)');
    assert.deepEqual(readdirSync(out), [], 'no run folder for a rejected plan');
  });

  it('more clients than one server process can hold names the exact maximum, exit 2', () => {
    const r = pushbench('run', '--scenario', 'idle', '--servers', 'node-sse', '--clients', '250000', '--out', mkdtempSync(join(tmpdir(), 'pb-')));
    assert.equal(r.code, 2);
    assert.match(r.stderr, /^pushbench: .*250000.*\d+/);
  });

  it('an invalid config file reports every problem with its path in the file', () => {
    const dir = mkdtempSync(join(tmpdir(), 'pb-'));
    const path = join(dir, 'bad.json');
    writeFileSync(path, JSON.stringify({ servers: [{ name: 'mine', protocol: 'smoke', command: '' }], bogus: 1 }));
    const r = pushbench('servers', '--config', path);
    assert.equal(r.code, 2);
    const lines = r.stderr.trim().split('\n');
    assert.equal(lines[0], `pushbench: invalid config file ${path}:`);
    assert.ok(lines.some((l) => l.startsWith('  - servers.0.protocol:')), r.stderr);
    assert.ok(lines.some((l) => l.startsWith('  - servers.0.command:')), r.stderr);
    assert.ok(lines.some((l) => l.includes('bogus')), r.stderr);
  });

  it('a user-defined server from the config is listed, with why it cannot run', () => {
    const dir = mkdtempSync(join(tmpdir(), 'pb-'));
    const path = join(dir, 'mine.json');
    writeFileSync(path, JSON.stringify({ servers: [{ name: 'my-sse', protocol: 'sse', command: './no-such-binary' }] }));
    const r = pushbench('servers', '--config', path, '--json');
    assert.equal(r.code, 0, r.stderr);
    const row = (JSON.parse(r.stdout) as { name: string; status: string }[]).find((x) => x.name === 'my-sse');
    assert.equal(row?.status, 'command not found: ./no-such-binary');
    assert.equal(existsSync(join(dir, 'results')), false);
  });

  it('path, profile and suite flags: one clear line each, exit 2, nothing written', () => {
    const out = mkdtempSync(join(tmpdir(), 'pb-'));
    const cases: [string[], string][] = [
      [['--profile', 'quick'], 'pushbench: --profile quick: the suite size is now --suite quick; --profile takes a profiler: flame, doctor, heapprofiler'],
      [['--profile', 'perf'], 'pushbench: unknown profiler "perf"; --profile takes flame, doctor, heapprofiler'],
      [['--suite', 'huge'], 'pushbench: unknown suite "huge"; suites: quick, default, full'],
      [['--via', 'haproxy'], 'pushbench: --via "haproxy" is not understood; --via takes nginx (every mode) or a comma list of nginx, nginx-noheader, nginx-nobuffer, nginx-stock'],
      [['--scenario', 'idle', '--via', 'nginx'], 'pushbench: --via and --net apply to the path scenario: add path to --scenario (e.g. --scenario path --via nginx)'],
      [['--profile', 'flame', '--scenario', 'idle', '--servers', 'fastapi-sse', '--no-floor'], 'pushbench: --profile flame: profiling supports Node servers only, and none of the servers asked for is one (see `pushbench servers`)'],
    ];
    for (const [args, line] of cases) {
      const r = pushbench('run', ...args, '--out', out);
      assert.equal(r.stderr.trim(), line, args.join(' '));
      assert.equal(r.code, 2, args.join(' '));
    }
    const net = pushbench('run', '--net', 'loss=80%', '--out', out);
    assert.equal(net.code, 2);
    assert.match(net.stderr, /^pushbench: invalid plan \(flags\):\n {2}- scenarios\.0\.paths\.1: .*loss/);
    const host = pushbench('run', '--scenario', 'idle', '--server-host', '10.1.2.3', '--out', out);
    assert.equal(host.code, 2);
    assert.equal(host.stderr.trim(), 'pushbench: invalid plan (flags):\n  - engine.serverHost: a server address outside 127.0.0.0/8 is only for load agents on other hosts: add --agents, or leave --server-host out');
    assert.deepEqual(readdirSync(out), [], 'no run folder for a rejected plan');
  });
});
