// `npm test`: the type-check (tsc --noEmit) and every *.test.ts under result, servers, harness, scenarios,
// reports and cli, each file in its own process (node:test's runner). tsc runs beside the first group
// (it is one more process among several that mostly wait) and is reported as one more test, its
// errors in the failure. The files run as esbuild bundles of themselves
// (bin/bundle-cache.mjs: built once per change of any source, ~2 s), not through tsx: measured here,
// tsx's loader thread cost 0.4–1.2 s of CPU per test process, some fifty seconds over the suite; the
// code under test is the same, compiled by the same esbuild (with keepNames, as tsx does). Source
// maps are on (the npm script passes --enable-source-maps; children inherit it), so a failure's
// stack names the TypeScript lines. `node --import tsx --test <file>` still runs one file as it is.
// Most files wait on sockets and timers more than they compute, so they run several at a time; the
// files whose assertions read CPU time or timing under load (client saturation, the knee search,
// calibration, cleanup on signals, the CPU samplers) run one at a time on a CPU of their own, beside
// the rest, which run on the other CPUs until that lane ends (cpuSplit below); on a one-CPU machine
// (or without taskset) they run afterwards, with nothing beside them. One TAP stream (spec on a
// terminal) and one summary for both groups; exit 1 if anything failed.
//
// PUSHBENCH_TEST_CONCURRENCY sets how many files run at once in the first group (default: the
// machine's cores plus one: at 2 the two cores sat half idle, 218 s in all; at 3, 178 s; at 4, 199 s against 202 s at 3 back to back, more CPU for nothing; at 2 beside the side lane, 184 s against 178 s); the longest files (by scripts/test-times.seed.json) start first. Extra
// arguments are files to run instead of all of them.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { buildCached, CACHE_DIR, ownImportMetaUrl, sourceHash } from '../bin/bundle-cache.mjs';
import { availableParallelism } from 'node:os';
import { join, relative, resolve } from 'node:path';
import { run } from 'node:test';
import { spec as specReporter, tap } from 'node:test/reporters';
import { fileURLToPath } from 'node:url';
import { fromWire } from './test-wire.mjs';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const FOLDERS = ['result', 'servers', 'harness', 'scenarios', 'reports', 'cli'];

/**
 * Run one at a time on a CPU nothing else uses (or alone, after the rest): each asserts on CPU
 * shares or on timing a busy neighbour would skew.
 */
export const SERIAL = [
  'scenarios/calibrate.test.ts', // an injected 5 ms measured within ±0.5 ms; a slow reader named
  'scenarios/push-cpu.test.ts', // the knee of a server slowed to 100 events/s
  'scenarios/reconnect-timing.test.ts', // jittered reconnects spread over time
  'harness/lifecycle/cleanup.test.ts', // starts every server at once, then SIGTERM/SIGINT: ends within 1 s
  'harness/metrics/proc-sampler.test.ts', // a busy-looping child measured near one core
  'harness/metrics/self-sampler.test.ts', // event-loop lag and CPU of a quiet process stay low
];

/**
 * Run in a lane of their own beside the first group, one at a time: each mostly waits (on timers,
 * proxies, servers starting; alone each used at most a third of a core, measured with
 * /usr/bin/time), so in the first group's slots they left cores idle (three of them at once kept
 * the machine 1.3-1.6 cores busy of 2 for the first minute).
 */
export const SIDE = [
  'harness/servers/conformance.test.ts', // 17 rules over every server, one server at a time: 55 s, 0.32 of a core
  'scenarios/path.test.ts', // nginx and network-namespace paths, fixed windows: 28 s, 0.33
  'scenarios/server-exit.test.ts', // servers that die mid-step, and the waits that notice: 13 s, 0.26
  'harness/engine/agent.fuzz.test.ts', // hostile agent messages against a listening agent: 11 s, 0.23
];

/** Files under `dir` (relative to the repository) that `keep` accepts. */
function filesUnder(dir, keep) {
  const out = [];
  for (const name of readdirSync(dir).sort()) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...filesUnder(p, keep));
    else if (keep(relative(ROOT, p))) out.push(relative(ROOT, p));
  }
  return out;
}
const testFiles = (dir) => filesUnder(dir, (f) => f.endsWith('.test.ts'));
/** Scripts the tests start as processes of their own (harness/lifecycle/fixtures/launch.ts). */
const fixtures = () => FOLDERS.flatMap((f) => filesUnder(join(ROOT, f), (p) => /(^|\/)fixtures\/[^/]+\.ts$/.test(p)));

const asked = process.argv.slice(2);
const all = asked.length > 0 ? asked.map((f) => relative(ROOT, resolve(f))) : FOLDERS.flatMap((f) => testFiles(join(ROOT, f))).sort();
const outside = all.filter((f) => f.startsWith('..') || !f.endsWith('.test.ts'));
if (outside.length > 0) {
  process.stderr.write(`scripts/test.mjs: runs *.test.ts files of this repository only, not ${outside.join(', ')} (for another file: node --import tsx --test <file>)\n`);
  process.exit(2);
}
const absent = all.filter((f) => !existsSync(join(ROOT, f)));
if (absent.length > 0) {
  process.stderr.write(`scripts/test.mjs: no such test file: ${absent.join(', ')} (paths are relative to the current folder)\n`);
  process.exit(2);
}
/**
 * The order the first group starts its files in: longest first, by scripts/test-times.seed.json (ms
 * per file, measured here with the parts installed), the same order every run, so two runs can be
 * compared. Not by the last run's times: those depend on what ran beside each file and on the
 * machine's load, so the order drifted from run to run (and a run with the parts hidden made the
 * namespace tests look instant). How much the order itself matters could not be told here: the same
 * seed order took 152 s and 179 s for the first group on two runs (299 s and 352 s of CPU), as much
 * as any order differed. A file the seed does not know starts first. Each whole run's times go to
 * node_modules/.cache/pushbench/test-times.json, to refresh the seed from when files are added (and
 * to measure a new order against this one).
 */
const TIMES = join(CACHE_DIR, `test-times${process.env.PUSHBENCH_WITHOUT ? '-without' : ''}.json`);
const readTimes = (path) => {
  try {
    return JSON.parse(readFileSync(path, 'utf8'));
  } catch {
    return null;
  }
};
const seedTimes = readTimes(join(ROOT, 'scripts', 'test-times.seed.json')) ?? {};
const longestFirst = (a, b) => (seedTimes[b] ?? Infinity) - (seedTimes[a] ?? Infinity) || a.localeCompare(b);
const serial = all.filter((f) => SERIAL.includes(f));
const side = all.filter((f) => SIDE.includes(f)).sort(longestFirst);
const parallel = all.filter((f) => !SERIAL.includes(f) && !SIDE.includes(f)).sort(longestFirst);
/**
 * The first group's small files (under GROUP_MS in the seed) run together, one after another, in one
 * process: a process of its own cost each ~0.2 s of CPU before its first test (node, the runner, its
 * chunks), as much as many of them spend testing (51 files under 0.6 s of CPU each took 13.7 s of CPU
 * here). Their tests still report under their own names and source lines. A file the seed does not
 * know runs alone.
 */
const GROUP_MS = 600;
/**
 * Small, but each opens sockets to servers of its own and waits on real timers: in one process with
 * the rest, message-sender's WebSocket test never finished (alone, each passes in under a second).
 */
const ALONE = ['harness/clients/message-sender.test.ts', 'harness/clients/tcp-client.test.ts', 'harness/clients/resuming-stream.test.ts'];
const grouped = parallel.filter((f) => (seedTimes[f] ?? Infinity) < GROUP_MS && !ALONE.includes(f));
const GROUP = grouped.length > 1 ? 'small test files (one process)' : null;
/** What the first group's slots run: a file, or the group of small ones in its place. */
const parallelRuns = GROUP === null ? parallel : [GROUP, ...parallel.filter((f) => !grouped.includes(f))].sort((a, b) => groupTime(b) - groupTime(a) || a.localeCompare(b));
function groupTime(f) {
  return f === GROUP ? grouped.reduce((n, g) => n + seedTimes[g], 0) : (seedTimes[f] ?? Infinity);
}
const missing = [...SERIAL, ...SIDE].filter((f) => asked.length === 0 && !all.includes(f));
if (missing.length > 0) {
  process.stderr.write(`scripts/test.mjs: the serial group or the side lane names files that do not exist: ${missing.join(', ')}\n`);
  process.exit(2);
}
const envConcurrency = Number(process.env.PUSHBENCH_TEST_CONCURRENCY);
const concurrency = Number.isInteger(envConcurrency) && envConcurrency > 0 ? envConcurrency : availableParallelism() + 1;

/** The CPUs this process may run on (its affinity), from /proc; null where that cannot be read. */
function allowedCpus() {
  try {
    const list = /^Cpus_allowed_list:\s*(\S+)$/m.exec(readFileSync('/proc/self/status', 'utf8'))?.[1];
    if (list === undefined) return null;
    return list.split(',').flatMap((part) => {
      const [from, to = from] = part.split('-').map(Number);
      return Array.from({ length: to - from + 1 }, (_, i) => from + i);
    });
  } catch {
    return null;
  }
}

/**
 * Where the serial files run: on the last CPU, one at a time, in a lane process started there
 * (scripts/test-lane.mjs), while everything else runs on the other CPUs; once the lane is done, the
 * rest get every CPU back. Nothing else is scheduled on the lane's CPU, and the rest no longer wait
 * for its files. The busy CPU still reaches them through the machine they share (the knee, jitter and
 * thread run-time tests needed more margin: see their comments). On this 2-core machine
 * they took ~37 s after the rest, one core ~40 % idle meanwhile, and ~48 s on their own core beside
 * the rest. Scheduling priority could not do this: the servers the tests start are sessions of their
 * own (detached), so Linux's autogroups give each a fair share whatever the runner's nice value
 * (tried: a busy child beside nice-19 tests measured 40 % of a core, and the knee moved). Null (the
 * serial files run afterwards, with nothing beside them) with one CPU, without taskset, with
 * PUSHBENCH_TEST_SERIAL=after, or when either group is empty.
 */
function cpuSplit() {
  if (process.env.PUSHBENCH_TEST_SERIAL === 'after' || serial.length === 0 || parallel.length + side.length === 0) return null;
  const cpus = allowedCpus();
  if (cpus === null || cpus.length < 2) return null;
  if (spawnSync('taskset', ['--version'], { stdio: 'ignore' }).status !== 0) return null;
  return { laneCpu: String(cpus.at(-1)), restCpus: cpus.slice(0, -1).join(','), allCpus: cpus.join(',') };
}
const split = cpuSplit();

/** Every thread of `pid` onto `cpuList`; false when the process is gone or refuses. */
const setAffinity = (pid, cpuList) => spawnSync('taskset', ['--all-tasks', '--pid', '--cpu-list', cpuList, String(pid)], { stdio: 'ignore' }).status === 0;

/** This process and every process under it, by /proc's parent links. */
function ownTree() {
  const children = new Map();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      children.set(ppid, [...(children.get(ppid) ?? []), Number(entry)]);
    } catch {
      // exited meanwhile
    }
  }
  const tree = [];
  for (const queue = [process.pid]; queue.length > 0; ) {
    const pid = queue.shift();
    tree.push(pid);
    queue.push(...(children.get(pid) ?? []));
  }
  return tree;
}

/** Bumped when the build options change. */
const FORMAT = 1;

/**
 * Each test file's bundle (same relative path, .mjs), and the fixtures' beside them, built unless this
 * source tree has them. The folder goes to the tests in PUSHBENCH_TEST_BUNDLE (for the fixtures).
 */
async function bundled(testFilesToRun) {
  const files = [...testFilesToRun, ...fixtures(), PREBUILD];
  const salt = `tests ${FORMAT} ${files.join(',')} group ${grouped.join(',')}`;
  const out = join(CACHE_DIR, `tests-${sourceHash(['bin', 'scripts', ...FOLDERS], { tests: true, salt })}`);
  await buildCached(out, {
    entryPoints: [...files.map((f) => ({ in: resolve(ROOT, f), out: f.replace(/\.ts$/, '') })), ...(GROUP === null ? [] : [{ in: GROUP_ENTRY, out: GROUP_OUT }])],
    splitting: true,
    keepNames: true,
    sourcemap: 'linked',
    plugins: [ownImportMetaUrl, smallFilesGroup],
  });
  process.env.PUSHBENCH_TEST_BUNDLE = out;
  const map = new Map(files.map((f) => [f, join(out, f.replace(/\.ts$/, '.mjs'))]));
  if (GROUP !== null) map.set(GROUP, join(out, `${GROUP_OUT}.mjs`));
  return map;
}

/** The group's entry: a module that imports the small files in turn, each registering its tests. */
const GROUP_ENTRY = './pushbench-small-test-files';
const GROUP_OUT = 'small-test-files.group';
const smallFilesGroup = {
  name: 'small-test-files',
  setup(build) {
    build.onResolve({ filter: /^\.\/pushbench-small-test-files$/ }, () => ({ path: GROUP_ENTRY, namespace: GROUP_ENTRY }));
    build.onLoad({ filter: /.*/, namespace: GROUP_ENTRY }, () => ({ contents: grouped.map((f) => `import ${JSON.stringify(resolve(ROOT, f))};`).join('\n'), resolveDir: ROOT, loader: 'js' }));
  },
};

/** Builds the CLI's, the servers' and the worker's bundles once, before any test starts (see the file). */
const PREBUILD = 'scripts/prebuild.ts';
const bundles = await bundled(all);
await new Promise((resolveBuilt, reject) => {
  const child = spawn(process.execPath, [bundles.get(PREBUILD)], { cwd: ROOT, stdio: ['ignore', 'inherit', 'inherit'] });
  child.once('error', reject);
  child.once('exit', (code) => (code === 0 ? resolveBuilt() : reject(new Error(`scripts/prebuild.ts exited with ${code}`))));
});

// Ended from outside (Ctrl-C, a CI job's timeout): node's runner would leave the test files it
// started running, and the servers they started. Every process of the run gets the signal too.
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.once(signal, () => {
    try {
      for (const pid of ownTree().slice(1)) {
        try {
          process.kill(pid, 'SIGTERM');
        } catch {
          // gone meanwhile
        }
      }
    } catch {
      // no /proc here: node's runner ends what it can
    }
    process.exit(signal === 'SIGINT' ? 130 : 143);
  });
}

// The lane's CPU is its own from now on: this process, and so every file, tsc and the side lane it
// starts, runs on the others until the lane is done (runInLane).
if (split !== null) setAffinity(process.pid, split.restCpus);

/** `tsc --noEmit` (incremental: tsconfig.json), started now; resolves with its exit code and output. */
function typeCheck() {
  const started = Date.now();
  const tsc = spawn(process.execPath, [join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc'), '--noEmit'], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  tsc.stdout.setEncoding('utf8').on('data', (c) => (output += c));
  tsc.stderr.setEncoding('utf8').on('data', (c) => (output += c));
  return new Promise((resolve) => {
    tsc.once('error', (err) => resolve({ code: 1, output: String(err), ms: Date.now() - started }));
    tsc.once('close', (code) => resolve({ code: code ?? 1, output, ms: Date.now() - started }));
  });
}
// Only when the whole suite runs (a few files asked for: the quick loop, no type-check).
const typeChecked = asked.length === 0 ? typeCheck() : null;

/** Counts of both groups, from the runner's own end-of-run diagnostics ("tests 12", "pass 11", ...). */
const totals = new Map();
let failed = false;
/** Source file → ms of its top-level tests in this run. */
const times = {};

/**
 * One run()'s events in chunks a reporter can print whole: everything up to and including the end
 * of a top-level test. Two runs at once (the lanes of the first group) interleave by chunk, never
 * inside one file's report. The runs' own summaries are summed into `totals`, printed once below.
 */
async function* chunksOf(files, events) {
  // A test's file is its source when source maps are on, else the bundle.
  const sourceOf = new Map(files.flatMap((f) => [[bundles.get(f), f], [resolve(ROOT, f), f]]));
  let chunk = [];
  for await (const event of events) {
    if (event.type === 'test:fail') failed = true;
    if (event.data?.nesting === 0) {
      if (event.type === 'test:plan') continue;
      if (event.type === 'test:pass' || event.type === 'test:fail') {
        const source = sourceOf.get(event.data.file);
        if (source !== undefined) times[source] = (times[source] ?? 0) + (event.data.details?.duration_ms ?? 0);
        chunk.push(event);
        yield chunk;
        chunk = [];
        continue;
      }
      if (event.type === 'test:diagnostic') {
        const m = /^(tests|suites|pass|fail|cancelled|skipped|todo|duration_ms) ([\d.]+)$/.exec(event.data.message);
        if (m) {
          // Summed over the runs, except the time: two lanes run at once, so it is the whole
          // run's wall time, set below.
          if (m[1] !== 'duration_ms') totals.set(m[1], (totals.get(m[1]) ?? 0) + Number(m[2]));
          continue;
        }
      }
    }
    chunk.push(event);
  }
  if (chunk.length > 0) yield chunk;
}

/** node's runner over `files` here, `n` at a time, from the first event asked for. */
async function* runHere(files, n) {
  yield* run({ files: files.map((f) => bundles.get(f)), concurrency: n });
}

/**
 * The same events from a lane process on `cpu` (scripts/test-lane.mjs), one file at a time; then
 * every CPU back to this process and everything under it (the files still running started on the
 * other CPUs only; a process forked during that sweep may keep the narrower set: it runs, on fewer
 * CPUs). A lane that dies early is one failed test, not a silent gap.
 */
async function* runInLane(files, cpu) {
  const started = Date.now();
  const lane = spawn('taskset', ['--cpu-list', cpu, process.execPath, ...process.execArgv, join(ROOT, 'scripts', 'test-lane.mjs'), ...files.map((f) => bundles.get(f))], {
    cwd: ROOT,
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const queue = [];
  let wake = () => {};
  let ended = false;
  let exit = null;
  lane.on('message', (m) => {
    if (m === 'end') ended = true;
    else queue.push(fromWire(m));
    wake();
  });
  lane.once('exit', (code, signal) => {
    exit = signal ?? code;
    wake();
  });
  lane.once('error', (err) => {
    exit = err.message;
    wake();
  });
  while (true) {
    while (queue.length > 0) yield queue.shift();
    if (exit !== null) break;
    await new Promise((r) => (wake = r));
  }
  laneS = ((Date.now() - started) / 1000).toFixed(0);
  for (const pid of ownTree()) setAffinity(pid, split.allCpus);
  if (!ended) {
    const error = Object.assign(new Error(`the lane on CPU ${cpu} (scripts/test-lane.mjs) ended with ${exit} before its files were done`), { failureType: 'testCodeFailure' });
    yield { type: 'test:fail', data: { name: `serial lane on CPU ${cpu}`, nesting: 0, details: { duration_ms: Date.now() - started, error } } };
    totals.set('tests', (totals.get('tests') ?? 0) + 1);
    totals.set('fail', (totals.get('fail') ?? 0) + 1);
  }
}
let laneS = null;

/** The chunks of several runs, each as soon as it is ready. */
async function* merged(sources) {
  const next = (i) => sources[i].next().then((r) => ({ i, r }));
  const pending = new Map(sources.map((_, i) => [i, next(i)]));
  while (pending.size > 0) {
    const { i, r } = await Promise.race(pending.values());
    if (r.done) {
      pending.delete(i);
      continue;
    }
    pending.set(i, next(i));
    yield r.value;
  }
}

/**
 * Both groups' events as one stream, so the reporter prints one report: top-level tests numbered
 * in the order they are printed, and one plan line (1..N) closes it.
 */
async function* events() {
  const runStarted = Date.now();
  let topLevel = 0;
  const wallS = [];
  const first = [chunksOf(parallel, runHere(parallelRuns, concurrency)), chunksOf(side, runHere(side, 1))].filter((_, i) => [parallel, side][i].length > 0);
  const groups = split !== null ? [[...first, chunksOf(serial, runInLane(serial, split.laneCpu))]] : [first, serial.length > 0 ? [chunksOf(serial, runHere(serial, 1))] : []];
  for (const lanes of groups) {
    const started = Date.now();
    if (lanes.length === 0) {
      wallS.push(null);
      continue;
    }
    for await (const chunk of merged(lanes)) {
      for (const event of chunk) {
        if (event.data?.nesting === 0 && (event.type === 'test:pass' || event.type === 'test:fail')) {
          topLevel++;
          yield { ...event, data: { ...event.data, testNumber: topLevel } };
        } else yield event;
      }
    }
    wallS.push(((Date.now() - started) / 1000).toFixed(0));
  }
  if (typeChecked !== null) {
    const { code, output, ms } = await typeChecked;
    topLevel++;
    const data = { name: 'type-check: tsc --noEmit', nesting: 0, testNumber: topLevel, details: { duration_ms: ms } };
    totals.set('tests', (totals.get('tests') ?? 0) + 1);
    if (code === 0) {
      totals.set('pass', (totals.get('pass') ?? 0) + 1);
      yield { type: 'test:pass', data };
    } else {
      failed = true;
      totals.set('fail', (totals.get('fail') ?? 0) + 1);
      const error = Object.assign(new Error(`tsc exited ${code}:\n${output.trim()}`), { failureType: 'testCodeFailure' });
      yield { type: 'test:fail', data: { ...data, details: { ...data.details, error } } };
    }
  }
  yield { type: 'test:plan', data: { nesting: 0, count: topLevel } };
  totals.set('duration_ms', Date.now() - runStarted);
  for (const [key, value] of totals) yield { type: 'test:diagnostic', data: { nesting: 0, message: `${key} ${key === 'duration_ms' ? value.toFixed(0) : value}` } };
  const took = (i) => (wallS[i] === null ? '' : ` (${wallS[i]} s)`);
  const smallOnes = GROUP === null ? '' : ` (${grouped.length} small ones in one process)`;
  const rest = `${parallel.length} files${smallOnes} ${concurrency} at a time beside ${side.length} that mostly wait, one at a time`;
  const message =
    split !== null
      ? `${rest}${took(0)}; beside them ${serial.length} one at a time on CPU ${split.laneCpu} of their own (${laneS} s), the others on CPU ${split.restCpus} until then`
      : `${rest}${took(0)}, then ${serial.length} alone${took(1)}`;
  yield { type: 'test:diagnostic', data: { nesting: 0, message: `groups: ${message}` } };
}

const reporter = process.stdout.isTTY ? specReporter : tap;
const stream = reporter === tap ? tap(events()) : (await import('node:stream')).Readable.from(events()).compose(new specReporter());
for await (const chunk of stream) process.stdout.write(chunk);
try {
  // A whole run's times only: a few files run on their own say nothing of the order.
  if (asked.length === 0) writeFileSync(TIMES, `${JSON.stringify(times)}\n`);
} catch {
  // only a record
}
process.exitCode = failed ? 1 : 0;
