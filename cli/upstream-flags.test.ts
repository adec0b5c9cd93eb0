// The flags of this additions resolve into the plan the executors get: the upstream
// scenario (rates, bytes, modes, POST modes, room size), push --payload, path --via nginx-stock;
// bad values are one line naming the field.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { resolvePlan } from '../scenarios/schema.ts';
import { buildPlanInput, type RunFlags } from './run-options.ts';

const plan = (flags: Omit<RunFlags, 'suite'>) => resolvePlan(buildPlanInput({ suite: 'default', ...flags }, null), 'flags');

describe('flags of the upstream scenario, binary payloads and the stock nginx path', () => {
  it('--scenario upstream: the defaults, and every flag of it, without a floor', () => {
    const d = plan({ scenario: 'upstream' }).scenarios[0];
    assert.ok(d && d.kind === 'upstream');
    assert.deepEqual([d.servers, d.clients, d.rates, d.bytes, d.modes, d.posts, d.roomSize], [['node-sse', 'node-ws'], [200], [5], [128], ['echo', 'room'], ['keepalive', 'per-request'], 10]);
    const s = plan({ scenario: 'upstream', servers: 'express-sse,express-ws', clients: '50,100', rate: '5,50', bytes: '64', mode: 'room', post: 'keepalive', roomSize: '25', duration: '2000', warmup: '200' }).scenarios[0];
    assert.ok(s && s.kind === 'upstream');
    assert.deepEqual([s.servers, s.clients, s.rates, s.bytes, s.modes, s.posts, s.roomSize, s.durationMs, s.warmupMs], [['express-sse', 'express-ws'], [50, 100], [5, 50], [64], ['room'], ['keepalive'], 25, 2000, 200]);
  });

  it('a room size that does not divide the clients, an unknown mode or POST mode: one line each naming the field', () => {
    assert.throws(() => plan({ scenario: 'upstream', clients: '12', roomSize: '5' }), /scenarios\.0\.roomSize: room mode splits the clients into rooms of roomSize: every client count must be a multiple of it/);
    assert.throws(() => plan({ scenario: 'upstream', mode: 'broadcast' }), /scenarios\.0\.modes\.0: Invalid option: expected one of "echo"\|"room"/);
    assert.throws(() => plan({ scenario: 'upstream', post: 'pipelined' }), /scenarios\.0\.posts\.0: Invalid option: expected one of "keepalive"\|"per-request"/);
    // Echo alone has no rooms to fill.
    assert.equal(plan({ scenario: 'upstream', clients: '12', roomSize: '5', mode: 'echo' }).scenarios[0]?.kind, 'upstream');
  });

  it('push --payload binary (text by default); an unknown payload names the field', () => {
    const p = plan({ scenario: 'push', payload: 'binary' }).scenarios[0];
    assert.ok(p && p.kind === 'push');
    assert.equal(p.payload, 'binary');
    const t = plan({ scenario: 'push' }).scenarios[0];
    assert.equal(t && t.kind === 'push' && t.payload, 'text');
    assert.throws(() => plan({ scenario: 'push', payload: 'octets' }), /scenarios\.0\.payload: Invalid option: expected one of "text"\|"binary"/);
  });

  it('--via nginx-stock: direct and the stock config; --via nginx: every nginx mode, the stock one too', () => {
    const stock = plan({ via: 'nginx-stock' }).scenarios[0];
    assert.ok(stock && stock.kind === 'path');
    assert.deepEqual(
      stock.paths.map((p) => p.label),
      ['direct', 'nginx-stock'],
    );
    assert.deepEqual(stock.paths[1], { kind: 'nginx', label: 'nginx-stock', serverHeader: true, buffering: true, stock: true });
    const all = plan({ via: 'nginx' }).scenarios[0];
    assert.deepEqual(all && all.kind === 'path' && all.paths.map((p) => p.label), ['direct', 'nginx', 'nginx-noheader', 'nginx-nobuffer', 'nginx-stock']);
  });
});
