import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, release, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { it } from 'node:test';
import { KEY_PACKAGES, captureEnvironment, ephemeralPorts, gitSha, openFileCap, packageVersion } from './environment.ts';

const ROOT = fileURLToPath(new URL('..', import.meta.url));

it('captures this machine and the installed package versions', () => {
  const env = captureEnvironment();
  assert.equal(env.cores, cpus().length);
  assert.equal(env.cpuModel, cpus()[0]!.model.trim());
  assert.equal(env.memoryBytes, totalmem());
  assert.equal(env.kernel, release());
  assert.equal(env.platform, 'linux');
  assert.equal(env.node, process.version);
  assert.deepEqual(Object.keys(env.packages), [...KEY_PACKAGES]);
  for (const name of KEY_PACKAGES) {
    const pkg = JSON.parse(readFileSync(join(ROOT, 'node_modules', name, 'package.json'), 'utf8')) as { version: string };
    assert.equal(env.packages[name], pkg.version, name);
  }
  assert.match(env.packages['ws']!, /^8\./);
  assert.match(env.packages['hdr-histogram-js']!, /^3\./);
  assert.ok(Math.abs(Date.parse(env.date) - Date.now()) < 10_000);
  // The same limits the shell reports.
  assert.equal(env.openFileCap, Number(execFileSync('sh', ['-c', 'ulimit -n'], { encoding: 'utf8' }).trim()));
  // The shell's own arithmetic on the range (no sysctl: procps is not on every fresh machine).
  const ports = execFileSync('sh', ['-c', 'set -- $(cat /proc/sys/net/ipv4/ip_local_port_range); echo $(($2 - $1 + 1))'], { encoding: 'utf8' }).trim();
  assert.equal(env.ephemeralPorts, Number(ports));
});

it('names the git commit, or null outside a repository', () => {
  let head: string | null = null;
  try {
    head = execFileSync('git', ['rev-parse', 'HEAD'], { cwd: ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    /* not a checkout: gitSha must say null too */
  }
  assert.equal(gitSha(ROOT), head);
  const outside = mkdtempSync(join(tmpdir(), 'pb-env-'));
  try {
    assert.equal(gitSha(outside), null);
  } finally {
    rmSync(outside, { recursive: true });
  }
});

it('reports a missing package as "not installed"', () => {
  const root = mkdtempSync(join(tmpdir(), 'pb-env-'));
  try {
    mkdirSync(join(root, 'node_modules', 'ws'), { recursive: true });
    writeFileSync(join(root, 'node_modules', 'ws', 'package.json'), '{"name":"ws","version":"8.1.2"}');
    assert.equal(packageVersion(root, 'ws'), '8.1.2');
    assert.equal(packageVersion(root, 'express'), 'not installed');
    const env = captureEnvironment(root);
    assert.equal(env.packages['ws'], '8.1.2');
    assert.equal(env.packages['vega'], 'not installed');
    assert.equal(env.gitSha, null);
  } finally {
    rmSync(root, { recursive: true });
  }
});

it('parses the open-file limit and the port range', () => {
  const limits = `Limit                     Soft Limit           Hard Limit           Units
Max cpu time              unlimited            unlimited            seconds
Max open files            20000                40000                files
`;
  assert.equal(openFileCap(limits), 20000);
  assert.equal(openFileCap('Max processes 10 10 processes\n'), 1024, 'the Linux default when absent');
  assert.equal(ephemeralPorts('32768\t60999\n'), 28232);
  assert.equal(ephemeralPorts('1024 65535'), 64512);
  assert.equal(ephemeralPorts('garbage'), 28232);
});
