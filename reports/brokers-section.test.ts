// Broker targets in the reports: "publish-to-receive" in the verdict's latency and knee topics of
// a broker pair only, the "Broker targets" section, and a malformed extras.brokers refused on read.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { fixtureResult } from './fixtures/fixture.ts';
import { brokersSection, brokerServerNames } from './brokers-section.ts';
import { renderHtml } from './html.ts';
import { verdictRows } from './verdict.ts';
import { checkResult } from '../result/read.ts';

// The fixture's node pair stands in for a broker pair: what matters is extras.brokers naming it.
function brokerResult() {
  const r = fixtureResult();
  r.extras = {
    brokers: {
      latency: 'publish-to-receive',
      servers: [
        { server: 'node-sse', protocol: 'sse', pair: 'node', broker: 'nchan', connectionsFrom: 'nchan_stub_status (subscribers)', skipped: ['reconnect: <not built>'] },
        { server: 'node-ws', protocol: 'ws', pair: 'node', broker: 'nchan', connectionsFrom: 'nchan_stub_status (subscribers)', skipped: [] },
      ],
    },
  };
  return r;
}

describe('broker targets in the reports', () => {
  it('names the latency and knee rows of a broker pair publish-to-receive, and no other row', () => {
    const rows = verdictRows(brokerResult());
    const named = rows.filter((v) => v.topic.endsWith(', publish-to-receive'));
    assert.deepEqual([...new Set(named.map((v) => v.topic))], ['p99 latency from the intended send time, publish-to-receive', 'Knee: the highest rate that still meets the bound, publish-to-receive']);
    assert.ok(rows.some((v) => v.topic === 'Server memory per idle connection'));
    assert.equal(verdictRows(fixtureResult()).filter((v) => v.topic.includes('publish-to-receive')).length, 0);
  });

  it('renders the Broker targets section, escaped; a malformed extra is refused on read, naming it', async () => {
    const html = await renderHtml([brokerResult()]);
    assert.match(html, /<h2>Broker targets<\/h2>/);
    assert.match(html, /<td>node-sse<\/td><td>nchan<\/td><td>nchan_stub_status \(subscribers\)<\/td><td>reconnect: &lt;not built&gt;<\/td>/);
    assert.match(brokersSection({ latency: 'publish-to-receive', servers: [] }), /<tbody><\/tbody>/);
    assert.equal(brokerServerNames(fixtureResult()).size, 0);
    const odd = { ...fixtureResult(), extras: { brokers: [1, 2] } };
    assert.deepEqual(checkResult(JSON.parse(JSON.stringify(odd))), { ok: false, problem: 'extras.brokers: expected object, got a list' });
    const badRow = { ...fixtureResult(), extras: { brokers: { latency: 'publish-to-receive', servers: [{ server: 'x' }] } } };
    assert.deepEqual(checkResult(JSON.parse(JSON.stringify(badRow))), { ok: false, problem: 'extras.brokers.servers[0].protocol: missing (expected string)' });
  });
});
