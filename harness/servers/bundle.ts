// The built-in Node servers (and Pushpin's GRIP origin, and clinic's launcher) run as plain-JS esbuild bundles, not
// through tsx. Measured here: a server started with `node --import tsx` took 1.1–2.8 s to answer
// /healthz (tsx's loader, then compiling each module on every start), the same server from its
// bundle 0.5–1.2 s at load ~3. And tsx compiles with esbuild's keepNames, which gives every
// per-connection closure its own name-setting property array (the reason the client workers run
// from a bundle too, harness/engine/worker-bundle.ts): a bundle measures the server's own memory.
//
// One esbuild call builds every entry (one file each, packages left as imports), cached and built
// race-free by bin/bundle-cache.mjs (tests start servers from several processes at once).
import { join } from 'node:path';
import { buildCached, CACHE_DIR, REPO_ROOT, sourceHash } from '../../bin/bundle-cache.mjs';

/** Entry name → source, relative to the repository. */
export const ENTRIES: Record<string, string> = {
  ...Object.fromEntries(
    ['node-sse', 'node-ws', 'express-sse', 'express-ws', 'tcp-floor', 'node-sse-h2', 'node-sse-cluster', 'node-ws-cluster', 'fastify-sse', 'fastify-ws', 'hono-sse', 'hono-ws'].map((n) => [n, `servers/node/${n}.ts`]),
  ),
  'grip-origin': 'servers/broker/grip-origin.ts',
  // The profiler's launcher, the leader of a profiled server's group (harness/profiling/clinic.ts).
  'clinic-collect': 'harness/profiling/clinic-collect.ts',
};

/** Bumped when the build options change, so an old bundle is not reused. */
const FORMAT = 1;

let folder: string | null = null;
let pending: Promise<void> | null = null;

/** The folder of this source tree's bundles (hashed once per process, on first use). */
function bundleFolder(): string {
  // Every source a server can import: servers/, harness/ and result/ (and how it is built: bin/).
  // The entry list is in the key too: code running from an older bundle must not fill this folder
  // with its own, older list.
  folder ??= join(CACHE_DIR, `servers-${sourceHash(['bin', 'servers', 'harness', 'result'], { salt: `servers ${FORMAT} ${Object.keys(ENTRIES).join(',')}` })}`);
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

/** Builds every entry into `out` (inside node_modules), race-free against other processes doing the same. */
export function buildBundleInto(out: string): Promise<void> {
  return buildCached(out, {
    entryPoints: Object.fromEntries(Object.entries(ENTRIES).map(([name, src]) => [name, join(REPO_ROOT, src)])),
    // What tsx adds (keepNames) costs memory per connection: the servers run without it.
    keepNames: false,
  });
}
