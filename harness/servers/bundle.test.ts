// The servers' bundle: built race-free when several processes start servers at once (as test files
// running in parallel do), and what the registry launches.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { it } from 'node:test';
import { getHealth } from '../control.ts';
import { startServer } from '../lifecycle/server-process.ts';
import { bundledServer, ENTRIES } from './bundle.ts';
import { getServer, NODE_SERVERS, REPO_ROOT } from './registry.ts';

const CACHE = join(REPO_ROOT, 'node_modules', '.cache', 'pushbench');

it('three processes building one folder at once leave one finished build, and a server runs from it', { timeout: 60_000 }, async () => {
  const name = `test-race-${process.pid}`;
  const out = join(CACHE, name);
  rmSync(out, { recursive: true, force: true });
  try {
    const code = `const m = await import(${JSON.stringify(pathToFileURL(join(REPO_ROOT, 'harness', 'servers', 'bundle.ts')).href)}); await m.buildBundleInto(process.argv[1]);`;
    const exits = await Promise.all(
      [1, 2, 3].map(
        () =>
          new Promise<string>((resolve) => {
            const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', code, out], { stdio: ['ignore', 'ignore', 'pipe'] });
            let err = '';
            child.stderr.setEncoding('utf8').on('data', (c: string) => (err += c));
            child.once('exit', (c) => resolve(`${c}${err}`));
          }),
      ),
    );
    assert.deepEqual(exits, ['0', '0', '0']);
    assert.deepEqual(readdirSync(CACHE).filter((f) => f.startsWith(name)), [name], 'no temporary folder is left');
    assert.deepEqual(readdirSync(out).sort(), [...Object.keys(ENTRIES).map((e) => `${e}.mjs`), 'done'].sort());
    const spec = getServer('node-ws');
    const server = await startServer({ ...spec, launch: { ...spec.launch, args: ['--expose-gc', join(out, 'node-ws.mjs')], prepare: undefined } });
    try {
      assert.equal((await getHealth(server.baseUrl)).protocol, 'ws');
    } finally {
      await server.stop();
    }
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
});

it('the built-in Node servers start from their bundle with --expose-gc, not through tsx', () => {
  for (const spec of NODE_SERVERS) {
    assert.deepEqual(spec.launch.args, ['--expose-gc', bundledServer(spec.name)], spec.name);
    assert.equal(spec.launch.command, process.execPath);
    assert.equal(typeof spec.launch.prepare, 'function');
  }
});
