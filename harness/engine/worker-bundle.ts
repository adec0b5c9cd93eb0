// Client workers run as one plain-JS bundle, not through tsx. Measured here: tsx compiles with
// esbuild's keepNames, which wraps every function expression in a name-setting helper; each
// per-connection closure then carries its own property array (~250 B), about 2.3 KB per
// connection in the TCP client alone. The bundle is built once per coordinator process with
// esbuild (tsx's own compiler), cached under node_modules/.cache (so its package imports resolve)
// by a hash of the sources.
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ENTRY = fileURLToPath(new URL('./worker.ts', import.meta.url));
const HARNESS = dirname(dirname(ENTRY));

let pending: Promise<string> | null = null;

function sourceHash(): string {
  const h = createHash('sha256');
  const walk = (dir: string): void => {
    for (const name of readdirSync(dir).sort()) {
      const p = join(dir, name);
      if (statSync(p).isDirectory()) walk(p);
      else if (name.endsWith('.ts') && !name.endsWith('.test.ts')) h.update(p).update(readFileSync(p));
    }
  };
  walk(HARNESS);
  walk(join(HARNESS, '..', 'servers'));
  return h.digest('hex').slice(0, 16);
}

/** Path of the bundled worker (built on first use). */
export function workerBundle(): Promise<string> {
  pending ??= (async () => {
    const dir = join(HARNESS, '..', 'node_modules', '.cache', 'pushbench');
    mkdirSync(dir, { recursive: true });
    const out = join(dir, `worker-${sourceHash()}.mjs`);
    if (!existsSync(out)) {
      const tmp = `${out}.${process.pid}.tmp.mjs`;
      // esbuild loads only when a bundle is built (most runs find it cached).
      const { build } = await import('esbuild');
      await build({ entryPoints: [ENTRY], outfile: tmp, bundle: true, platform: 'node', format: 'esm', target: 'node20', keepNames: false, packages: 'external', logLevel: 'error', absWorkingDir: join(HARNESS, '..') });
      renameSync(tmp, out);
    }
    return out;
  })();
  return pending;
}
