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
  return pushbenchWith({}, ...args);
}

function pushbenchWith(env: Record<string, string>, ...args: string[]): { code: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8', timeout: 60_000, env: { ...process.env, ...env } });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** A hidden part's reason: hidden, and whether it is installed (so nobody reinstalls what is there). */
const hiddenLine = (part: string, setting: string) => new RegExp(`^${part} is hidden by PUSHBENCH_WITHOUT=${setting} \\((installed here: unset PUSHBENCH_WITHOUT to use it|and not usable here either: .+)\\)$`);

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

  it('PUSHBENCH_WITHOUT hides parts from servers and doctor, saying so; a misspelt part is one line, exit 2', () => {
    const r = pushbenchWith({ PUSHBENCH_WITHOUT: 'python,nchan,pushpin' }, 'servers', '--json');
    assert.equal(r.code, 0, r.stderr);
    const rows = JSON.parse(r.stdout) as { name: string; language: string; available: boolean; status: string }[];
    const status = (language: string) => rows.filter((x) => x.language === language).map((x) => `${x.name}: ${x.available}`);
    assert.deepEqual(status('python'), ['fastapi-sse', 'fastapi-ws', 'aiohttp-sse', 'aiohttp-ws', 'flask-sse', 'flask-sse-gunicorn'].map((n) => `${n}: false`));
    assert.deepEqual(status('broker'), ['nchan-sse', 'nchan-ws', 'pushpin-sse', 'pushpin-ws'].map((n) => `${n}: false`));
    assert.ok(rows.filter((x) => x.language === 'node').every((x) => x.available), 'Node servers need no optional part');
    for (const row of rows) {
      const part = row.language === 'python' ? 'python' : row.name.startsWith('nchan') ? 'nchan' : row.name.startsWith('pushpin') ? 'pushpin' : null;
      if (part !== null) assert.match(row.status, hiddenLine(part, 'python,nchan,pushpin'), row.name);
    }
    const doctor = pushbenchWith({ PUSHBENCH_WITHOUT: 'all' }, 'doctor');
    assert.equal(doctor.code, 0, doctor.stderr);
    const lines = doctor.stdout.split('\n');
    const statusOf = (check: string) => lines.find((l) => l.startsWith(check))?.split(/ {2,}/).at(-1) ?? `no row ${check}`;
    assert.match(lines.find((l) => l.startsWith('PUSHBENCH_WITHOUT')) ?? '', /^PUSHBENCH_WITHOUT +python,nginx,chromium,netns,openssl,nchan,pushpin +these parts are treated as not installed$/);
    assert.match(statusOf('nginx'), hiddenLine('nginx', 'all'));
    assert.match(statusOf('root, ip, nft, tc'), hiddenLine('netns', 'all'));
    assert.match(statusOf('chromium'), hiddenLine('chromium', 'all'));
    assert.match(statusOf('openssl'), hiddenLine('openssl', 'all'));
    assert.match(statusOf('server fastapi-sse'), hiddenLine('python', 'all'));
    assert.match(statusOf('server nchan-ws'), hiddenLine('nginx', 'all'));
    assert.equal(statusOf('server node-ws'), 'available');
    assert.match(doctor.stdout, /\nPUSHBENCH_WITHOUT=all hides, as if not installed: python: .*; pushpin: .*\. Unset it to use what is installed\.\n$/);
    const typo = pushbenchWith({ PUSHBENCH_WITHOUT: 'python,ngnix' }, 'servers');
    assert.equal(typo.code, 2);
    assert.equal(typo.stderr.trim(), 'pushbench: PUSHBENCH_WITHOUT: unknown part "ngnix"; parts: python, nginx, chromium, netns, openssl, nchan, pushpin or all (a comma list, e.g. PUSHBENCH_WITHOUT=python,nginx)');
    assert.equal(typo.stdout, '');
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
