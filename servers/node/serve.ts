// Start-up and shutdown shared by every Node server: listen with the contract's backlog on
// HOST/PORT, exit promptly on SIGTERM/SIGINT (the harness SIGKILLs the group after 2 s anyway).
import type { Server } from 'node:net';
import { DEFAULTS, ENV } from '../contract.ts';
import type { CoreConfig } from './config.ts';
import type { PushCore } from './core.ts';

export function listen(server: Server, core: PushCore, config: CoreConfig, name: string): void {
  server.on('error', (err: NodeJS.ErrnoException) => {
    const hint = err.code === 'EADDRINUSE' ? ` (port ${config.port} is in use: pick another with PORT)` : '';
    process.stderr.write(`${name}: cannot listen on ${config.host}:${config.port}: ${err.message}${hint}\n`);
    process.exit(1);
  });
  server.listen({ host: config.host, port: config.port, backlog: DEFAULTS.backlog }, () => {
    const addr = server.address();
    const port = typeof addr === 'object' && addr ? addr.port : config.port;
    process.stderr.write(`${name}: listening on ${config.host}:${port} (${config.protocol})\n`);
  });
  const stop = (): void => {
    core.close();
    // Open streams would keep server.close() waiting; the process exit closes every socket.
    process.exit(0);
  };
  if (process.env[ENV.profiler] === 'heapprofiler') {
    // clinic's heap profiler writes its profile on SIGINT and then exits the process itself: an
    // exit of ours would cut that write short. Stop serving, and turn SIGTERM into that SIGINT.
    const quiesce = (): void => {
      core.close();
      server.close();
    };
    process.once('SIGINT', quiesce);
    process.once('SIGTERM', () => process.kill(process.pid, 'SIGINT'));
    return;
  }
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
}
