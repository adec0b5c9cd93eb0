// `pushbench agent --listen host:port`: a load agent in the foreground until Ctrl-C/SIGTERM. It forks
// client workers for whichever coordinator connects (`pushbench run --agents host:port`), and ends
// them when that coordinator goes or the agent is stopped (harness/engine/agent.ts).
import { onShutdown } from '../../harness/lifecycle/cleanup.ts';
import { AGENT_PROTOCOL_VERSION, formatHostPort, isLoopback, parseHostPort } from '../../harness/engine/agent-protocol.ts';
import { startAgent } from '../../harness/engine/agent.ts';

export async function agentCommand(opts: { listen: string }): Promise<void> {
  const { host, port } = parseHostPort(opts.listen, '--listen', '127.0.0.1');
  const agent = await startAgent({ host, port });
  // Ctrl-C / SIGTERM: cleanup.ts runs this, then exits; any exit SIGKILLs what is left.
  onShutdown(() => agent.close());
  process.on('exit', () => agent.killNow());
  const where = formatHostPort({ host, port: agent.port });
  process.stderr.write(`pushbench agent: listening on ${where} (agent protocol v${AGENT_PROTOCOL_VERSION}) — Ctrl-C to stop\n`);
  if (!isLoopback(host)) {
    // The one place pushbench listens beyond loopback, and only when asked: anyone who reaches the
    // port can make this host open connections to any address.
    process.stderr.write(`pushbench agent: note: ${where} is reachable from other hosts; allow only your coordinator through the firewall\n`);
  }
  await new Promise(() => undefined);
}
