// `pushbench serve <name>`: one server in the foreground until Ctrl-C (cleanup.ts stops it).
import { UserError } from '../../harness/errors.ts';
import { withOutputTail } from '../../result/reason.ts';
import { startServer } from '../../harness/lifecycle/server-process.ts';
import { isShuttingDown } from '../../harness/lifecycle/cleanup.ts';
import { getServer } from '../../harness/servers/registry.ts';
import { unavailableReason } from '../../harness/servers/spec.ts';

export async function serveCommand(name: string, opts: { port?: string; host: string }): Promise<void> {
  const spec = getServer(name);
  const reason = unavailableReason(spec);
  if (reason !== null) throw new UserError(`server ${name} cannot run here: ${reason}`, 1);
  if (spec.broker) throw new UserError(`${name} is a broker target, not a contract server: measure it with \`pushbench run --servers ${name}\` (the harness starts and publishes to it)`);
  let port: number | undefined;
  if (opts.port !== undefined) {
    port = Number(opts.port);
    if (!Number.isInteger(port) || port < 1 || port > 65535) throw new UserError(`--port must be an integer 1..65535, got "${opts.port}"`);
  }
  if (!/^127\./.test(opts.host) && opts.host !== 'localhost' && opts.host !== '::1') {
    process.stderr.write(`pushbench: note: binding ${opts.host}, not loopback; only load it from this machine\n`);
  }
  const server = await startServer(spec, { port, host: opts.host, inheritStderr: true });
  process.stdout.write(`${spec.name} (${spec.protocol}) ready at ${server.baseUrl} — Ctrl-C to stop\n`);
  await server.exited;
  // Ctrl-C: cleanup.ts is ending the process with 130; nothing went wrong.
  if (isShuttingDown()) await new Promise(() => undefined);
  throw new UserError(withOutputTail(`server ${name} exited (${server.exitedOnItsOwn() ?? 'stopped'})`, server.tail()), 1);
}
