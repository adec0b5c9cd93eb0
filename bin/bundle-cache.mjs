// esbuild bundles cached under node_modules/.cache/pushbench, each in a folder named by a hash of
// the sources it was built from: the command line (bin/cli-bundle.mjs), the built-in servers
// (harness/servers/bundle.ts) and the test files (scripts/test.mjs) run from them instead of through tsx.
// Inside node_modules so the packages the bundles leave as imports resolve from there.
//
// Race-free: tests start servers and commands from several processes at once, so each process
// builds into a folder of its own and renames it into place; whoever loses the race drops its copy
// and uses the winner's (built from the same sources). Plain JavaScript, so the CLI's entry can use
// it before any TypeScript loader.
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
export const CACHE_DIR = join(REPO_ROOT, 'node_modules', '.cache', 'pushbench');

/** The marker a finished build writes last. */
const DONE = 'done';

/**
 * A short hash of every `.ts` and `.mjs` file under `folders` (relative to the repository): its path,
 * size and modification time (ns), with `salt` (the build options' version). A saved edit changes
 * the time, so it means a new folder; reading sizes and times instead of contents keeps this cheap
 * (every command and test process asks it: reading ~300 files took ~50 ms of each start).
 */
export function sourceHash(folders, { tests = false, salt = '' } = {}) {
  const h = createHash('sha256').update(`${salt}\n`);
  const walk = (dir) => {
    for (const name of readdirSync(dir).sort()) {
      const p = join(dir, name);
      const st = statSync(p, { bigint: true });
      if (st.isDirectory()) walk(p);
      else if ((name.endsWith('.ts') || name.endsWith('.mjs')) && (tests || !name.endsWith('.test.ts'))) h.update(`${p} ${st.size} ${st.mtimeNs}\n`);
    }
  };
  for (const f of folders) walk(join(REPO_ROOT, f));
  return h.digest('hex').slice(0, 16);
}

/**
 * `import.meta.url` of each source (TypeScript, and this file) as its own file's URL, not the
 * bundle's: sources find files beside them with it (the worker's entry, the profiler's collector,
 * test fixtures, the repository root).
 */
export const ownImportMetaUrl = {
  name: 'own-import-meta-url',
  setup(build) {
    build.onLoad({ filter: /\.m?[tj]s$/ }, (args) => {
      if (args.path.includes(`${join('node_modules', '')}`)) return undefined; // packages are not bundled anyway
      return {
        // A pattern, not the string: this file is bundled too (scripts/prebuild.ts), and a literal
        // 'import.meta.url' here would itself be replaced, leaving the bundled plugin looking for
        // a file URL instead.
        contents: readFileSync(args.path, 'utf8').replace(/\bimport\.meta\.url\b/g, JSON.stringify(pathToFileURL(args.path).href)),
        loader: args.path.endsWith('ts') ? 'ts' : 'js',
      };
    });
  },
};

/**
 * Packages bundled in, not left as imports: the HDR histogram code (result/histogram.ts imports its
 * parts by path) and what it requires. Left as imports, each of its ~30 CommonJS files is resolved
 * and scanned for its exports at every start; bundled, a client worker started in 0.14 s of CPU
 * instead of 0.18 s.
 */
const BUNDLED_PACKAGES = ['hdr-histogram-js', 'pako', 'base64-js', '@assemblyscript/loader'];
const bundledPackage = (path) => BUNDLED_PACKAGES.some((p) => path === p || path.startsWith(`${p}/`));

/**
 * Every other package stays an import, resolved from node_modules when the bundle runs. And
 * hdr-histogram-js finds Node's zlib with eval('require("zlib")'), which an ES module cannot run
 * (no require in scope): bundled as it is, it would quietly compress with pako instead. Its two
 * lookups are pointed at a module that re-exports node:zlib, so the bundle compresses as the
 * package does when Node loads it.
 */
const packagesExternal = {
  name: 'packages-external',
  setup(build) {
    // A bare specifier (not ./, ../ or /): a package, or a node: builtin.
    build.onResolve({ filter: /^[^./]/ }, (args) => {
      if (args.path === NODE_ZLIB) return { path: NODE_ZLIB, namespace: NODE_ZLIB };
      return bundledPackage(args.path) ? undefined : { path: args.path, external: true };
    });
    build.onLoad({ filter: /.*/, namespace: NODE_ZLIB }, () => ({ contents: "export { deflateSync, inflateSync } from 'node:zlib';", loader: 'js' }));
    build.onLoad({ filter: /hdr-histogram-js[\\/]dist[\\/]JsHistogram\.encoding\.js$/ }, (args) => {
      const source = readFileSync(args.path, 'utf8');
      const patched = source.replace(/eval\('require\("zlib"\)\.(deflateSync|inflateSync)'\)/g, `require("${NODE_ZLIB}").$1`);
      if (patched === source) throw new Error(`${args.path}: no eval('require("zlib")') to replace (hdr-histogram-js changed: see bin/bundle-cache.mjs)`);
      return { contents: patched, loader: 'js' };
    });
  },
};
const NODE_ZLIB = 'pushbench-node-zlib';

/** Builds into `out` with esbuild's `options` (outdir is set here) unless a finished build is there. */
export async function buildCached(out, options) {
  if (existsSync(join(out, DONE))) return;
  const tmp = `${out}.${process.pid}.tmp`;
  rmSync(tmp, { recursive: true, force: true });
  mkdirSync(tmp, { recursive: true });
  try {
    // esbuild loads only when something is built: most starts find their bundle.
    const { build } = await import('esbuild');
    const plugins = [packagesExternal, ...(options.plugins ?? [])];
    await build({ platform: 'node', format: 'esm', target: 'node20', outExtension: { '.js': '.mjs' }, bundle: true, logLevel: 'error', absWorkingDir: REPO_ROOT, ...options, plugins, outdir: tmp });
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
  pruneOlder(out);
}

/** A day: no run still uses a build that old (each run uses the build of the sources it started with). */
const KEEP_MS = 24 * 3600 * 1000;

/** Removes earlier builds of the same kind (cli-*, servers-*, tests-*) finished more than a day ago. */
function pruneOlder(out) {
  const dir = dirname(out);
  const kind = basename(out).replace(/-[0-9a-f]+$/, '-');
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (p === out || !name.startsWith(kind)) continue;
    // The client worker's bundle was one file (worker-<hash>.mjs) before it moved to a folder.
    const marker = /^[a-z]+-[0-9a-f]+$/.test(name) ? join(p, DONE) : /^worker-[0-9a-f]+\.mjs$/.test(name) ? p : null;
    if (marker === null) continue;
    try {
      if (Date.now() - statSync(marker).mtimeMs > KEEP_MS) rmSync(p, { recursive: true, force: true });
    } catch {
      // unfinished or already gone: not ours to judge
    }
  }
}
