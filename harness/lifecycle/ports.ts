// Ports: a free one picked by the kernel, or a requested one checked before a server is started
// on it, so "port in use" is one clear line and not a server crash.
import { createServer } from 'node:net';
import { UserError } from '../errors.ts';

export function freePort(host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen({ host, port: 0 }, () => {
      const addr = s.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      s.close(() => resolve(port));
    });
  });
}

export function assertPortFree(host: string, port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', (err: NodeJS.ErrnoException) => {
      if (err.code === 'EADDRINUSE') {
        reject(new UserError(`port ${port} on ${host} is in use: stop what holds it or choose another with --port`, 1));
      } else if (err.code === 'EACCES') {
        reject(new UserError(`port ${port} on ${host} needs privileges: choose a port above 1023 with --port`, 1));
      } else reject(err);
    });
    s.listen({ host, port }, () => s.close(() => resolve()));
  });
}
