// One GET on a fresh connection that is closed after the answer: the readiness and status checks
// of a broker must not leave a keep-alive connection behind, or a broker counted by its established
// connections (Pushpin) would count the harness's own check as a subscriber.
import { get } from 'node:http';

export function getOnce(url: string, timeoutMs = 2000): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = get(url, { agent: false, headers: { connection: 'close' }, timeout: timeoutMs }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString() }));
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error(`${url} did not answer within ${timeoutMs} ms`)));
    req.on('error', reject);
  });
}
