// clinic profiling end to end: a profiled server writes clinic's HTML when the harness stops it,
// for every tool we offer, and `pushbench run --profile flame` links the flame graph from the report.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { postBroadcast } from '../control.ts';
import { startServer } from '../lifecycle/server-process.ts';
import { getServer, REPO_ROOT } from '../servers/registry.ts';
import { listProfiles, profiledSpec, profilingUnsupportedReason } from './clinic.ts';
import type { Profiler } from '../../result/profilers.ts';

const run = promisify(execFile);
const work = mkdtempSync(join(tmpdir(), 'pb-clinic-'));
after(() => rmSync(work, { recursive: true, force: true }));

async function profileOnce(profiler: Profiler): Promise<string> {
  const dir = join(work, profiler);
  const server = await startServer(profiledSpec(getServer('node-ws'), profiler, dir));
  await postBroadcast(server.baseUrl, { rate: 500, count: 250, bytes: 64, event: 'tick' });
  await new Promise((r) => setTimeout(r, 700));
  await server.stop();
  return dir;
}

// The three profiles are independent (own folders, own servers): they run at once.
describe('clinic profiling', { concurrency: true }, () => {
  for (const profiler of ['doctor', 'heapprofiler'] as const) {
    it(`${profiler}: stopping a profiled server leaves one HTML profile and its record`, async () => {
      const dir = await profileOnce(profiler);
      const records = listProfiles(dir);
      assert.equal(records.length, 1);
      const rec = records[0]!;
      assert.equal(rec.server, 'node-ws');
      assert.equal(rec.profiler, profiler);
      const html = join(dir, rec.html);
      assert.ok(statSync(html).size > 50_000, `${html} is a real clinic page, not an empty file`);
      assert.match(readFileSync(html, 'utf8').slice(0, 4000), /<html/i);
    });
  }

  it('refuses non-Node servers with a reason', () => {
    assert.equal(profilingUnsupportedReason(getServer('node-sse')), null);
    assert.equal(profilingUnsupportedReason(getServer('fastapi-sse')), 'profiling supports Node servers only: fastapi-sse runs unprofiled');
  });

  it('pushbench run --profile flame writes a flame graph per server start and links it from the report', async () => {
    const out = join(work, 'runs');
    const bin = join(REPO_ROOT, 'bin', 'pushbench.js');
    const { stdout } = await run(process.execPath, [bin, 'run', '--scenario', 'idle', '--servers', 'node-sse', '--no-floor', '--clients', '50', '--hold', '300', '--settle', '100', '--profile', 'flame', '--out', out], { cwd: REPO_ROOT });
    const runDir = stdout.trim().split('\n').at(-1)!;
    assert.ok(existsSync(join(runDir, 'results.json')));
    const result = JSON.parse(readFileSync(join(runDir, 'results.json'), 'utf8')) as { plan: { profile: string }; extras: { profiles: { records: { server: string; html: string }[] } } };
    assert.equal(result.plan.profile, 'flame');
    const records = result.extras.profiles.records;
    assert.equal(records.length, 1);
    assert.equal(records[0]!.server, 'node-sse');
    const html = records[0]!.html;
    assert.ok(readdirSync(join(runDir, 'profiles')).includes(html));
    assert.ok(statSync(join(runDir, 'profiles', html)).size > 100_000);
    const report = readFileSync(join(runDir, 'report.html'), 'utf8');
    assert.ok(report.includes(`href="profiles/${html}"`), 'the report links the flame graph');
    assert.match(report, /Profiled run/);
  });
});
