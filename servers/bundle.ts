// The built-in Node servers (and Pushpin's GRIP origin) run as plain-JS esbuild bundles, not
// through tsx. Measured here: a server started with `node --import tsx` took 1.1–2.8 s to answer
// /healthz (tsx's loader, then compiling each module on every start), the same server from its
// bundle 0.5–1.2 s at load ~3. And tsx compiles with esbuild's keepNames, which gives every
// per-connection closure its own name-setting property array (the reason the client workers run
// from a bundle too, harness/engine/worker-bundle.ts): a bundle measures the server's own memory.
//
// One esbuild call builds every entry (one file each, packages left as imports), into
// node_modules/.cache (so those imports resolve) under a hash of the sources. Race-free: tests
// start servers from several processes at once, so each builds into its own temporary folder and
// renames it into place; a loser of the race drops its copy and uses the winner's (identical).
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');

/** Entry name → source, relative to the repository. */
export const ENTRIES: Record<string, string> = {
  ...Object.fromEntries(
    ['node-sse', 'node-ws', 'express-sse', 'express-ws', 'tcp-floor', 'node-sse-h2', 'node-sse-cluster', 'node-ws-cluster', 'fastify-sse', 'fastify-ws', 'hono-sse', 'hono-ws'].map((n) => [n, `servers/node/${n}.ts`]),
  ),
  'grip-origin': 'servers/broker/grip-origin.ts',
};

/** Bumped when the build options change, so an old bundle is not reused. */
const FORMAT = 1;

/** The marker file of a finished build. */
const DONE = 'done';

let folder: string | null = null;
let pending: Promise<void> | null = null;

/** Every TypeScript source a server can import (servers/ and harness/), hashed with the options. */
function sourceHash(): string {
  const h = createHash('sha256').update(`format ${FORMAT}\n`);
  const walk = (dir: string): void => {
    for (const name of readdirSync(dir).sort()) {
      const p = join(dir, name);
      if (name === 'fixtures') continue;
      if (statSync(p).isDirectory()) walk(p);
      else if (name.endsWith('.ts') && !name.endsWith('.test.ts')) h.update(p).update(readFileSync(p));
    }
  };
  walk(join(ROOT, 'servers'));
  walk(join(ROOT, 'harness'));
  return h.digest('hex').slice(0, 16);
}

/** The folder of this source tree's bundles (hashed once per process, on first use). */
function bundleFolder(): string {
  folder ??= join(ROOT, 'node_modules', '.cache', 'pushbench', `servers-${sourceHash()}`);
  return folder;
}

/** The bundled file of a built-in entry (see ENTRIES); it exists once `buildServerBundle` resolved. */
export function bundledServer(name: string): string {
  if (!(name in ENTRIES)) throw new Error(`no bundled server entry "${name}"`);
  return join(bundleFolder(), `${name}.mjs`);
}

/** Builds the bundles when this source tree has none yet; every caller in a process shares one build. */
export function buildServerBundle(): Promise<void> {
  pending ??= buildBundleInto(bundleFolder());
  // A failed build is retried by the next caller rather than cached.
  pending.catch(() => (pending = null));
  return pending;
}

/**
 * Builds every entry into `out` unless a finished build is there, race-free against other
 * processes building the same folder. `out` must be inside node_modules (packages resolve from it).
 */
export async function buildBundleInto(out: string): Promise<void> {
  if (existsSync(join(out, DONE))) return;
  const tmp = `${out}.${process.pid}.tmp`;
  rmSync(tmp, { recursive: true, force: true });
  mkdirSync(tmp, { recursive: true });
  try {
    const { build } = await import('esbuild');
    await build({
      entryPoints: Object.fromEntries(Object.entries(ENTRIES).map(([name, src]) => [name, join(ROOT, src)])),
      outdir: tmp,
      outExtension: { '.js': '.mjs' },
      bundle: true,
      platform: 'node',
      format: 'esm',
      target: 'node20',
      keepNames: false,
      packages: 'external',
      logLevel: 'error',
      absWorkingDir: ROOT,
    });
    // Written last: only a finished build has it.
    writeFileSync(join(tmp, DONE), '');
    try {
      renameSync(tmp, out);
    } catch (err) {
      // Another process renamed its build first (ENOTEMPTY/EEXIST): use that one.
      if (!existsSync(join(out, DONE))) throw err;
    }
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}
