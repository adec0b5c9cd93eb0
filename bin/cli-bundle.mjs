// The command line runs as one esbuild bundle of cli/main.ts (split per command, so `servers` does not
// load the engine), cached under node_modules/.cache by a hash of the TypeScript sources, instead of
// through tsx. Measured here: `pushbench run` with a usage error took 1.2 s of CPU through tsx
// (its loader thread, then every module through it), 0.4 s from the bundle; the tests start the CLI
// some fifty times. No build step for anyone: the first command after a change builds it (~0.5 s).
//
// Plain JavaScript, so the entry needs no loader to get here. Race-free like the servers' bundle
// (servers/bundle.ts): each process builds into its own folder and renames it into place.
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const SOURCES = ['cli', 'harness', 'scenarios', 'reports', 'servers'];
/** Bumped when the build options change. */
const FORMAT = 1;
const DONE = 'done';

function sourceHash() {
  const h = createHash('sha256').update(`format ${FORMAT}\n`);
  const walk = (dir) => {
    for (const name of readdirSync(dir).sort()) {
      const p = join(dir, name);
      if (statSync(p).isDirectory()) walk(p);
      else if (name.endsWith('.ts') && !name.endsWith('.test.ts')) h.update(p).update(readFileSync(p));
    }
  };
  for (const s of SOURCES) walk(join(ROOT, s));
  return h.digest('hex').slice(0, 16);
}

/**
 * `import.meta.url` of each source as its own file's URL, not the bundle's: the sources find files
 * beside them with it (the worker entry, the profiler's collector, the repository root).
 */
const ownUrls = {
  name: 'own-import-meta-url',
  setup(build) {
    build.onLoad({ filter: /\.ts$/ }, (args) => ({
      contents: readFileSync(args.path, 'utf8').replaceAll('import.meta.url', JSON.stringify(pathToFileURL(args.path).href)),
      loader: 'ts',
    }));
  },
};

/** The path of the bundle's entry for this source tree, built first when missing. */
export async function cliBundle() {
  const out = join(ROOT, 'node_modules', '.cache', 'pushbench', `cli-${sourceHash()}`);
  const entry = join(out, 'main.mjs');
  if (existsSync(join(out, DONE))) return entry;
  const tmp = `${out}.${process.pid}.tmp`;
  rmSync(tmp, { recursive: true, force: true });
  mkdirSync(tmp, { recursive: true });
  try {
    const { build } = await import('esbuild');
    await build({
      entryPoints: { main: join(ROOT, 'cli', 'main.ts') },
      outdir: tmp,
      outExtension: { '.js': '.mjs' },
      bundle: true,
      splitting: true,
      platform: 'node',
      format: 'esm',
      target: 'node20',
      packages: 'external',
      // A bug's stack trace names the TypeScript lines (bin/pushbench.js enables source maps).
      sourcemap: 'linked',
      logLevel: 'error',
      absWorkingDir: ROOT,
      plugins: [ownUrls],
    });
    writeFileSync(join(tmp, DONE), '');
    try {
      renameSync(tmp, out);
    } catch (err) {
      // Another process renamed its build first: use that one.
      if (!existsSync(join(out, DONE))) throw err;
    }
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
  return entry;
}
