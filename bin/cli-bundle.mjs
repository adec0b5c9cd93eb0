// The command line runs as one esbuild bundle of cli/main.ts (split per command, so `servers` does not
// load the engine), cached by a hash of the TypeScript sources (bin/bundle-cache.mjs), instead of
// through tsx. Measured here: `pushbench run` with a usage error took 1.2 s of CPU through tsx (its
// loader thread, then every module through it), 0.45 s from the bundle; the tests start the CLI some
// fifty times. No build step for anyone: the first command after a change builds it (~0.5 s).
import { join } from 'node:path';
import { buildCached, CACHE_DIR, ownImportMetaUrl, REPO_ROOT, sourceHash } from './bundle-cache.mjs';

/** Bumped when the build options change. */
const FORMAT = 1;

/** The path of the bundle's entry for this source tree, built first when missing. */
export async function cliBundle() {
  const out = join(CACHE_DIR, `cli-${sourceHash(['bin', 'cli', 'harness', 'result', 'scenarios', 'reports', 'servers'], { salt: `cli ${FORMAT}` })}`);
  await buildCached(out, {
    entryPoints: { main: join(REPO_ROOT, 'cli', 'main.ts') },
    splitting: true,
    // A bug's stack trace names the TypeScript lines (bin/pushbench.js enables source maps).
    sourcemap: 'linked',
    plugins: [ownImportMetaUrl],
  });
  return join(out, 'main.mjs');
}
