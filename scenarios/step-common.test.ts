import assert from 'node:assert/strict';
import { it } from 'node:test';
import { outcomeFrom, saturatedSide, saturationText } from './step-common.ts';

const fail = { name: 'delivery complete', ok: false, detail: '10 of 20 events received, 0 gaps' };

it('an invalid step says which side saturated; a completed one adds nothing', () => {
  const server = { clientCpuPercentMax: 41, serverCpuPercent: 98, serverCores: 1 };
  const o = outcomeFrom({}, [fail], server);
  assert.equal(o.state, 'invalid');
  assert.deepEqual(o.state === 'invalid' && o.reasons, ['delivery complete: 10 of 20 events received, 0 gaps', 'saturated: the server (server 98 % of a core), not the client (busiest client worker 41 % of a core)']);
  assert.equal(outcomeFrom({}, [{ ...fail, ok: true }], server).state, 'completed');
  assert.deepEqual(outcomeFrom({}, [fail]).state === 'invalid' && (outcomeFrom({}, [fail]) as { reasons: string[] }).reasons, [`${fail.name}: ${fail.detail}`], 'no sides given, none named');
});

it('client, both, neither; a server of several processes is saturated only across its cores', () => {
  assert.equal(saturatedSide({ clientCpuPercentMax: 95, serverCpuPercent: 50, serverCores: 1 }), 'client');
  assert.equal(saturatedSide({ clientCpuPercentMax: 95, serverCpuPercent: 95, serverCores: 1 }), 'both');
  assert.equal(saturatedSide({ clientCpuPercentMax: 50, serverCpuPercent: 50, serverCores: 1 }), 'neither');
  assert.equal(saturatedSide({ clientCpuPercentMax: 50, serverCpuPercent: 150, serverCores: 2 }), 'neither');
  assert.equal(saturatedSide({ clientCpuPercentMax: 50, serverCpuPercent: 185, serverCores: 2 }), 'server');
  assert.match(saturationText({ clientCpuPercentMax: 95, serverCpuPercent: 185, serverCores: 2 }), /^saturated: both sides \(server 185 % of 2 cores \(93 % each\), busiest client worker 95 % of a core\)$/);
  assert.match(saturationText({ clientCpuPercentMax: 20, serverCpuPercent: 30, serverCores: 1 }), /^saturated: neither side/);
  // A worker that got less than a core on a busy machine but whose loop fell seconds behind.
  assert.equal(saturationText({ clientCpuPercentMax: 63, clientLagP90Ms: 2680.6, serverCpuPercent: 2, serverCores: 1 }), 'saturated: the client (busiest client worker 63 % of a core, its event loop p90 2681 ms behind), not the server (server 2 % of a core)');
});
