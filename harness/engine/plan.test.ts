import assert from 'node:assert/strict';
import { it } from 'node:test';
import { planShards } from './plan.ts';

const here = { maxPerWorker: 15000, fdCap: 20000, ephemeralPorts: 28232 };

it('one worker and the kernel-picked source address for a small run', () => {
  const p = planShards(1000, here);
  assert.deepEqual(p.shards, [{ clients: 1000, addresses: [{ address: null, count: 1000 }] }]);
  assert.equal(p.sourceAddresses, 1);
  assert.equal(p.workerCap, 15000);
});

it('splits evenly over workers of at most maxPerWorker', () => {
  const p = planShards(19000, here);
  assert.deepEqual(
    p.shards.map((s) => s.clients),
    [9500, 9500],
  );
  const forced = planShards(301, { ...here, workers: 2 });
  assert.deepEqual(
    forced.shards.map((s) => s.clients),
    [151, 150],
  );
});

it('spreads over 127.0.0.x with at most 5000 per address only past the ephemeral ports', () => {
  const p = planShards(60000, { maxPerWorker: 15000, fdCap: 100000, ephemeralPorts: 28232 });
  assert.equal(p.sourceAddresses, 12);
  const perAddress = new Map<string, number>();
  for (const s of p.shards) for (const a of s.addresses) perAddress.set(a.address!, (perAddress.get(a.address!) ?? 0) + a.count);
  assert.equal([...perAddress.values()].reduce((a, b) => a + b), 60000);
  assert.ok([...perAddress.values()].every((n) => n <= 5000));
  assert.equal(perAddress.get('127.0.0.1'), 5000);
  assert.equal(perAddress.get('127.0.0.12'), 5000);
});

it('names the exact maximum when one server process cannot hold the clients', () => {
  assert.throws(() => planShards(25000, here), {
    message: '--clients 25000 is more than one server process can hold here: open files are capped at 20000 per process, so at most 19900 connections per server (100 descriptors kept for the server itself)',
  });
  assert.doesNotThrow(() => planShards(19900, here));
});

it('rejects zero, negative and fractional counts', () => {
  for (const n of [0, -5, 1.5]) assert.throws(() => planShards(n, here), { message: `client count must be a positive integer, got ${n}` });
});
