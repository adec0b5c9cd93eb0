// Client workers run as one plain-JS bundle, not through tsx. Measured here: tsx compiles with
// esbuild's keepNames, which wraps every function expression in a name-setting helper; each
// per-connection closure then carries its own property array (~250 B), about 2.3 KB per
// connection in the TCP client alone. The bundle is built once per source tree with esbuild (tsx's
// own compiler), cached and built race-free by bin/bundle-cache.mjs (so its package imports
// resolve, and pools started from several processes at once share one build).
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildCached, CACHE_DIR, sourceHash } from '../../bin/bundle-cache.mjs';

const ENTRY = fileURLToPath(new URL('./worker.ts', import.meta.url));
/** Bumped when the build options change. */
const FORMAT = 2;

let pending: Promise<string> | null = null;

/** Path of the bundled worker (built on first use). */
export function workerBundle(): Promise<string> {
  pending ??= (async () => {
    // Every source the worker can import: harness/ and servers/ (and how it is built: bin/).
    const out = join(CACHE_DIR, `worker-${sourceHash(['bin', 'harness', 'result', 'servers'], { salt: `worker ${FORMAT}` })}`);
    await buildCached(out, { entryPoints: { worker: ENTRY }, keepNames: false });
    return join(out, 'worker.mjs');
  })();
  pending.catch(() => (pending = null));
  return pending;
}
