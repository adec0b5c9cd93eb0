import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { it } from 'node:test';
import { SelfSampler } from './self-sampler.ts';

/**
 * Spins until this process has used `cpuMs` of CPU and `cpuMs` of wall time have passed (at most
 * 3 s of wall time); blocks the loop meanwhile. Both: the process's CPU counts its other threads
 * too, so CPU alone once ended a "200 ms" block early (a CI run read 179.9 ms of lag).
 */
function burnCpu(cpuMs: number): void {
  const start = process.cpuUsage();
  const t0 = performance.now();
  for (;;) {
    const used = process.cpuUsage(start);
    const wall = performance.now() - t0;
    if (((used.user + used.system) / 1000 >= cpuMs && wall >= cpuMs) || wall > 3000) return;
  }
}

it('reads its own CPU, RSS and event-loop lag over a window', async () => {
  const s = new SelfSampler();
  try {
    await sleep(50);
    s.reset();
    const cpu0 = process.cpuUsage();
    const t0 = performance.now();
    await sleep(30); // the monitor's first period after a reset is not recorded (see reset())
    burnCpu(200); // ≥ 200 ms with the loop blocked, however loaded the machine is
    await sleep(30); // let the monitor's timer fire after the block
    const blocked = s.read();
    const used = process.cpuUsage(cpu0);
    const expected = ((used.user + used.system) / 1000 / (performance.now() - t0)) * 100;
    // Busy most of the window; how much of a core that is depends on what else runs here.
    assert.ok(blocked.cpuPercent > 20 && blocked.cpuPercent <= 110, `cpu ${blocked.cpuPercent.toFixed(1)} %`);
    assert.ok(Math.abs(blocked.cpuPercent - expected) < 10, `cpu ${blocked.cpuPercent.toFixed(1)} %, measured alongside ${expected.toFixed(1)} %`);
    assert.ok(blocked.eventLoopLagMaxMs >= 180 && blocked.eventLoopLagMaxMs < 3100, `lag max ${blocked.eventLoopLagMaxMs.toFixed(1)} ms`);
    assert.ok(blocked.eventLoopLagP90Ms <= blocked.eventLoopLagMaxMs);
    const rss = process.memoryUsage.rss();
    assert.ok(Math.abs(blocked.rssBytes - rss) < 16 * 1024 * 1024, 'RSS is this process now');

    // A new window forgets the block.
    s.reset();
    await sleep(300);
    const quiet = s.read();
    assert.ok(quiet.eventLoopLagMaxMs < 100, `quiet lag max ${quiet.eventLoopLagMaxMs.toFixed(1)} ms`);
    assert.ok(quiet.eventLoopLagP90Ms < 50, `quiet lag p90 ${quiet.eventLoopLagP90Ms.toFixed(1)} ms`);
    assert.ok(quiet.cpuPercent < 30, `quiet cpu ${quiet.cpuPercent.toFixed(1)} %`);
  } finally {
    s.stop();
  }
});
