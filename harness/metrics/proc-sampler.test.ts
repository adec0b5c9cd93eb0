import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { setTimeout as sleep } from 'node:timers/promises';
import { it } from 'node:test';
import { alive } from '../lifecycle/fixtures/processes.ts';
import { ProcessTreeSampler, cpuPercent, parseStat, processTree, readTree, type TreeReading } from './proc-sampler.ts';

const MB = 1024 * 1024;

/** Starts `node -e code` in its own process group (so cleanup can reach its descendants too). */
function node(code: string): ChildProcess {
  return spawn(process.execPath, ['-e', code], { stdio: ['pipe', 'pipe', 'inherit'], detached: true });
}

/** Lines the process (and anything sharing its stdout) prints. */
function lines(p: ChildProcess): AsyncIterator<string> {
  return createInterface({ input: p.stdout! })[Symbol.asyncIterator]();
}

async function nextLine(it: AsyncIterator<string>): Promise<string> {
  const r = await it.next();
  assert.ok(!r.done, 'the process closed its stdout');
  return r.value;
}

/** SIGKILLs the process group and waits for the leader to exit. */
async function killGroup(p: ChildProcess): Promise<void> {
  if (p.exitCode === null && p.signalCode === null) {
    const exited = once(p, 'exit');
    try {
      process.kill(-p.pid!, 'SIGKILL');
    } catch {
      /* already gone */
    }
    await exited;
  }
}

it('parses /proc/<pid>/stat when comm holds spaces and parentheses', () => {
  // Fields 14..17 (utime stime cutime cstime) = 7 5 3 2; field 20 (num_threads) = 9; ppid 42.
  const rest = ['S', '42', ...Array.from({ length: 9 }, () => '0'), '7', '5', '3', '2', '20', '0', '9', '0', '123'].join(' ');
  assert.deepEqual(parseStat(`1234 (a) b (c)) ${rest}\n`), { ppid: 42, ticks: 17, threads: 9 });
  assert.deepEqual(parseStat(`7 (node) ${rest}`), { ppid: 42, ticks: 17, threads: 9 });
  assert.equal(parseStat('garbage'), null);
  // Our own stat parses to our own parent and at least one thread.
  const me = readTree(process.pid);
  assert.equal(me.processes >= 1, true);
  assert.ok(me.threads >= 1 && me.rssBytes > 10 * MB && me.hwmBytes >= me.rssBytes);
});

it('sums a tree: a grandchild allocating ~50 MB grows the root tree by about that much', async () => {
  // The child spawns a grandchild sharing its stdio; the grandchild allocates 50 MB on "alloc"
  // and exits at the end of stdin; the child exits when the grandchild does.
  const grandchild = `
    const rl = require('readline').createInterface({ input: process.stdin });
    let keep = null;
    rl.on('line', (l) => { if (l === 'alloc') { keep = Buffer.alloc(50 * 1024 * 1024, 1); console.log('allocated ' + keep.length); } });
    rl.on('close', () => process.exit(0));
    console.log('ready ' + process.pid);`;
  const child = node(`
    const g = require('child_process').spawn(process.execPath, ['-e', ${JSON.stringify(grandchild)}], { stdio: 'inherit' });
    g.on('exit', () => process.exit(0));`);
  const out = lines(child);
  try {
    const gpid = Number((await nextLine(out)).split(' ')[1]);
    const tree = processTree(child.pid!);
    assert.deepEqual(tree, [child.pid, gpid]);
    assert.deepEqual(processTree(gpid), [gpid]);

    const before = readTree(child.pid!);
    const grandBefore = readTree(gpid);
    assert.equal(before.processes, 2);
    assert.ok(before.rssBytes > grandBefore.rssBytes + 10 * MB, 'the tree includes the child as well');
    assert.equal(before.threads, readTree(child.pid!).threads);

    child.stdin!.write('alloc\n');
    assert.equal(await nextLine(out), `allocated ${50 * MB}`);
    const after = readTree(child.pid!);
    const grown = after.rssBytes - before.rssBytes;
    assert.ok(grown > 45 * MB && grown < 60 * MB, `tree RSS grew ${(grown / MB).toFixed(1)} MB`);
    assert.ok(after.hwmBytes >= after.rssBytes);
    assert.ok(readTree(gpid).rssBytes - grandBefore.rssBytes > 45 * MB, 'the growth is in the grandchild');

    child.stdin!.end();
    await once(child, 'exit');
    assert.equal(alive(gpid), false);
    assert.deepEqual(processTree(child.pid!), []);
    assert.equal(readTree(child.pid!).processes, 0);
  } finally {
    await killGroup(child);
  }
});

it('CPU of a busy-looping child is near one core; an idle one near zero', async () => {
  // Busy for at most 4 s, then exits on its own.
  const busy = node(`const end = Date.now() + 4000; console.log('go'); while (Date.now() < end) {}`);
  const idle = node(`console.log('go'); setTimeout(() => {}, 4000);`);
  try {
    await nextLine(lines(busy));
    await nextLine(lines(idle));
    const busySampler = new ProcessTreeSampler(busy.pid!, 100);
    const idleSampler = new ProcessTreeSampler(idle.pid!, 100);
    busySampler.start();
    idleSampler.start();
    const from = Date.now();
    await sleep(1000);
    const to = Date.now();
    const b = busySampler.window(from, to);
    const i = idleSampler.window(from, to);
    busySampler.stop();
    idleSampler.stop();
    // One busy thread is 100 % of a core; on a loaded 2-core machine it may get less.
    assert.ok(b.cpuPercent > 50 && b.cpuPercent < 210, `busy ${b.cpuPercent.toFixed(1)} %`);
    assert.ok(i.cpuPercent < 10, `idle ${i.cpuPercent.toFixed(1)} %`);
    assert.ok(b.rssBytes > 10 * MB && b.hwmBytes >= b.rssBytes && b.threads >= 1);
    // About ten readings a second while started, none after stop.
    const n = busySampler.history.length;
    assert.ok(n >= 6 && n <= 14, `${n} readings`);
    await sleep(250);
    assert.equal(busySampler.history.length, n);
  } finally {
    await killGroup(busy);
    await killGroup(idle);
  }
});

it('keeps CPU continuous when a busy descendant exits (its ticks move to the parent)', async () => {
  const worker = `const end = Date.now() + 600; while (Date.now() < end) {}`;
  const root = node(`
    const w = require('child_process').spawn(process.execPath, ['-e', ${JSON.stringify(worker)}], { stdio: 'ignore' });
    console.log('spawned');
    w.on('exit', () => console.log('reaped'));
    setTimeout(() => {}, 5000);`);
  const out = lines(root);
  try {
    assert.equal(await nextLine(out), 'spawned');
    const sampler = new ProcessTreeSampler(root.pid!, 50);
    sampler.start();
    const first = readTree(root.pid!);
    assert.equal(await nextLine(out), 'reaped');
    await sleep(100);
    const last = readTree(root.pid!);
    sampler.stop();
    assert.equal(last.processes, 1, 'the worker is gone');
    // ≥ 0.4 s of the worker's 0.6 s busy loop ran after the first reading: without the
    // children's ticks the sum would have dropped instead.
    assert.ok(last.cpuTicks - first.cpuTicks >= 40, `${last.cpuTicks - first.cpuTicks} ticks`);
    // Every consecutive pair of readings is non-decreasing in ticks.
    const h = sampler.history;
    for (let k = 1; k < h.length; k++) assert.ok(h[k]!.cpuTicks >= h[k - 1]!.cpuTicks, `reading ${k} dropped`);
  } finally {
    await killGroup(root);
  }
});

it('survives the root exiting mid-run: earlier windows still answer, snapshot says it is gone', async () => {
  const p = node(`console.log('up'); setTimeout(() => {}, 5000); process.stdin.on('end', () => process.exit(0)); process.stdin.resume();`);
  try {
    await nextLine(lines(p));
    const sampler = new ProcessTreeSampler(p.pid!, 50);
    sampler.start();
    const from = Date.now();
    await sleep(300);
    const mid = Date.now();
    const snap = sampler.snapshot();
    assert.ok(snap.rssBytes > 10 * MB);
    p.stdin!.end();
    await once(p, 'exit');
    await sleep(200); // the timer keeps reading a tree that is gone
    const w = sampler.window(from, mid);
    sampler.stop();
    assert.ok(w.rssBytes > 10 * MB && w.cpuPercent >= 0);
    assert.ok(sampler.history.some((r) => r.processes === 0), 'readings after the exit were taken');
    assert.throws(() => sampler.snapshot(), new RegExp(`^Error: process ${p.pid} is gone$`));
    assert.throws(() => new ProcessTreeSampler(p.pid!, 50).window(from, Date.now()), /no readings of process/);
  } finally {
    await killGroup(p);
  }
});

it('window: median RSS, max HWM, CPU between the bracketing readings', () => {
  const r = (tMs: number, rssBytes: number, hwmBytes: number, cpuTicks: number): TreeReading => ({ tMs, monoMs: tMs, processes: 1, rssBytes, hwmBytes, threads: 3, cpuTicks, cpuNs: null, tasks: '' });
  const sampler = new ProcessTreeSampler(process.pid, 200);
  const history = sampler.history as TreeReading[];
  history.push(r(1000, 10, 10, 0), r(1200, 50, 50, 10), r(1400, 20, 60, 30), r(1600, 30, 60, 50), r(1800, 40, 60, 60));
  // [1100, 1600]: bracketed by 1000 and 1600; inside are 1200, 1400, 1600.
  assert.deepEqual(sampler.window(1100, 1600), { rssBytes: 30, hwmBytes: 60, threads: 3, cpuPercent: (50 / 100 / 0.6) * 100 });
  // Even count: mean of the middle two (20, 30, 40, 50 → 35).
  assert.equal(sampler.window(1200, 1800).rssBytes, 35);
  // Between two readings: both brackets stand in for the window.
  assert.deepEqual(sampler.window(1250, 1350), { rssBytes: 35, hwmBytes: 60, threads: 3, cpuPercent: 100 });
  assert.equal(cpuPercent(r(0, 0, 0, 0), r(0, 0, 0, 5)), 0, 'empty span');
  assert.equal(cpuPercent(r(0, 0, 0, 9), r(1000, 0, 0, 5)), 0, 'never negative');
});

it('CPU in nanoseconds between readings of the same threads, in ticks otherwise', () => {
  const r = (monoMs: number, cpuTicks: number, cpuNs: number | null, tasks: string): TreeReading => ({ tMs: monoMs, monoMs, processes: 1, rssBytes: 0, hwmBytes: 0, threads: 2, cpuTicks, cpuNs, tasks });
  // 1 s apart, 0.237 s of run time, 23 ticks (the ticks truncate): the nanoseconds answer.
  assert.equal(cpuPercent(r(0, 100, 5e9, '7:7,8'), r(1000, 123, 5.237e9, '7:7,8')), 23.7);
  // A thread came or went, or the sum could not be read: the ticks answer.
  assert.equal(cpuPercent(r(0, 100, 5e9, '7:7,8'), r(1000, 123, 5.1e9, '7:7,8,9')), 23);
  assert.equal(cpuPercent(r(0, 100, null, ''), r(1000, 123, null, '')), 23);
});

it('reads the run time of every thread of the tree in nanoseconds', () => {
  const a = readTree(process.pid);
  const before = process.cpuUsage();
  const burnUntil = performance.now() + 50;
  while (performance.now() < burnUntil) {}
  const used = process.cpuUsage(before);
  const b = readTree(process.pid);
  assert.ok(a.cpuNs !== null && b.cpuNs !== null, 'schedstat readable');
  assert.equal(a.tasks, b.tasks, 'the same threads');
  assert.ok(a.tasks.startsWith(`${process.pid}:`), a.tasks);
  // The loop runs 50 ms of wall time, of which a neighbour on the same CPU may take some: compared
  // with what the kernel accounts this process over the same loop (getrusage), not with 50 ms.
  // The tree's reading brackets that one, so it is as much or a little more (the readings' cost).
  const treeMs = (b.cpuNs - a.cpuNs) / 1e6;
  const ownMs = (used.user + used.system) / 1000;
  assert.ok(ownMs > 10, `the loop ran ${ownMs} ms of CPU`);
  assert.ok(treeMs >= ownMs - 0.5 && treeMs - ownMs < 5, `threads ${treeMs} ms, getrusage ${ownMs} ms`);
});
