// pushbench's command line. Each subcommand parses its flags, validates at the edge and hands a
// resolved value to the code that does the work. Errors a user can fix print as one line.
import { Command, CommanderError } from 'commander';
import { EXIT, UserError } from '../harness/errors.ts';
import { isShuttingDown } from '../harness/lifecycle/cleanup.ts';
// Commands that start processes (serve, conform, agent, run, calibrate) end with the npm that started them: npm does not pass SIGTERM on.
import { endWithNpm } from '../harness/lifecycle/npm-parent.ts';
import { hiddenParts } from '../harness/optional-parts.ts';
import { loadConfigFile, type ConfigFile } from './config-file.ts';
import { registerUserServers } from '../harness/servers/registry.ts';
import { serversCommand } from './commands/servers.ts';
import { serveCommand } from './commands/serve.ts';

async function withConfig(path: string | undefined): Promise<ConfigFile | null> {
  if (path === undefined) return null;
  const config = loadConfigFile(path);
  registerUserServers(config.userServers);
  return config;
}

export function buildProgram(): Command {
  const program = new Command('pushbench')
    .description('SSE vs WebSocket benchmarks: matched servers, thousands of clients, honest numbers.')
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride()
    // PUSHBENCH_WITHOUT is checked once here, so a misspelt part is one line before any work.
    .hook('preAction', () => void hiddenParts());

  program
    .command('servers')
    .description('list every server: name, protocol, pair, and whether it can run here (or why not)')
    .option('--config <file>', 'config file with your own servers')
    .option('--json', 'machine-readable output')
    .action(async (opts: { config?: string; json?: boolean }) => {
      await withConfig(opts.config);
      serversCommand(opts.json === true);
    });

  program
    .command('serve <name>')
    .description('run one server in the foreground until Ctrl-C')
    .option('--port <n>', 'port (default: a free one)')
    .option('--host <addr>', 'address to bind', '127.0.0.1')
    .option('--config <file>', 'config file with your own servers')
    .action(async (name: string, opts: { port?: string; host: string; config?: string }) => {
      await withConfig(opts.config);
      endWithNpm();
      await serveCommand(name, opts);
    });

  program
    .command('conform <servers...>')
    .description("check servers against the contract, rule by rule with the fix; exit 0 all pass, 1 a rule failed, 2 usage")
    .option('--config <file>', 'config file with your own servers')
    .action(async (names: string[], opts: { config?: string }) => {
      await withConfig(opts.config);
      const { conformCommand } = await import('./commands/conform.ts');
      endWithNpm();
      process.exitCode = await conformCommand(names);
    });

  program
    .command('agent')
    .description('a load agent: runs client workers here for a coordinator on another host (`run --agents`)')
    .requiredOption('--listen <host:port>', 'address to listen on (a port alone: 127.0.0.1); e.g. 0.0.0.0:7070')
    .action(async (opts: { listen: string }) => {
      const { agentCommand } = await import('./commands/agent.ts');
      endWithNpm();
      await agentCommand(opts);
    });

  program
    .command('run')
    .description('run scenarios and write results/<run>/results.json, report.html and summary.md')
    .option('--suite <size>', 'embedded suite: quick (the CI gate, ~2 min), default (~3 min), full (the big numbers)', 'default')
    .option('--profile <tool>', 'run Node servers under clinic.js: flame, doctor or heapprofiler (HTML in <run>/profiles)')
    .option('--scenario <kinds>', 'comma list of idle, push, reconnect, sideload, path, browser, upstream (instead of the whole suite)')
    .option('--servers <names>', 'comma list of servers (see `pushbench servers`)')
    .option('--clients <list>', 'client counts, e.g. 1000,5000')
    .option('--rate <list>', 'events per second (push: a list; reconnect, sideload, path: one); upstream: messages per second per client (a list)')
    .option('--bytes <list>', 'payload bytes per event (push: a list; reconnect: one); upstream: bytes per message (a list)')
    .option('--payload <kind>', 'push: text (default) or binary (random bytes: WS binary frames, SSE base64)')
    .option('--duration <ms>', 'push: measured window per step')
    .option('--warmup <ms>', 'push: events sent before the window opens')
    .option('--repetitions <n>', 'repetitions of every step (median and spread are reported)')
    .option('--mode <list>', 'reconnect: drop, restart, partial; upstream: echo, room')
    .option('--post <list>', 'upstream: how SSE clients POST: keepalive, per-request (default both)')
    .option('--room-size <n>', 'upstream room mode: clients per room (default 10)')
    .option('--fraction <f>', 'reconnect partial: fraction of connections dropped (0..1]')
    .option('--downtime <ms>', 'reconnect restart: time the server stays down')
    .option('--no-jitter', 'reconnect: no full jitter on reconnect delays')
    .option('--backoff', 'reconnect: exponential backoff between failed attempts')
    .option('--ramp <n>', 'connections opened per second')
    .option('--hold <ms>', 'idle: how long connections are held while sampling')
    .option('--settle <ms>', 'idle: wait after the ramp before sampling')
    .option('--no-floor', 'idle/push: do not add tcp-floor beside the servers asked for')
    .option('--coalesce', 'push: servers write all events due in one tick in one write (both protocols alike)')
    .option('--find-knee', 'push: raise the rate until p99 exceeds the threshold or delivery drops')
    .option('--knee-threshold-ms <ms>', 'push: p99 threshold for --find-knee (default 100)')
    .option('--via <modes>', 'path: nginx in front (every mode), or a comma list of nginx, nginx-noheader, nginx-nobuffer, nginx-stock; direct is always measured too')
    .option('--net <conditions>', 'path: the server in a network namespace behind e.g. loss=1%,rate=20mbit,delay=20ms (root, ip/nft/tc)')
    .option('--max-per-worker <n>', 'connections per client worker process (default 15000)')
    .option('--server-host <addr>', 'address the servers bind (default 127.0.0.1); another address only with --agents on other hosts')
    .option('--agents <list>', 'run the client workers on load agents, e.g. 10.0.0.5:7070,10.0.0.6:7070 (see `pushbench agent`)')
    .option('--label <name>', 'run folder label')
    .option('--out <dir>', 'results folder', 'results')
    .option('--config <file>', 'config file: your servers, scenarios, thresholds')
    .action(async (opts) => {
      const config = await withConfig(opts.config as string | undefined);
      // Loaded on demand: the engine and report renderers (vega) are heavy for `servers` or `serve`.
      const { runCommand } = await import('./commands/run.ts');
      endWithNpm();
      process.exitCode = await runCommand(opts, config, process.argv.slice(2));
    });

  program
    .command('report <results...>')
    .description('render report.html and summary.md from one or more results.json (side by side)')
    .option('--out <dir>', 'folder to write into (default: beside the first results file)')
    .action(async (results: string[], opts: { out?: string }) => {
      const { reportCommand } = await import('./commands/report.ts');
      await reportCommand(results, opts);
    });

  program
    .command('compare <baseline> <current>')
    .description('compare two results.json; exit 0 ok, 1 regression, 2 usage error')
    .option('--config <file>', 'config file whose "thresholds" override the defaults')
    .option('--markdown <file>', 'also write the table of changes as Markdown')
    .action(async (baseline: string, current: string, opts: { config?: string; markdown?: string }) => {
      const config = await withConfig(opts.config);
      const { compareCommand } = await import('./commands/compare.ts');
      process.exitCode = await compareCommand(baseline, current, config, opts);
    });

  program
    .command('calibrate')
    .description('inject known faults into a server and check they are measured as injected (exit 1 if not); --gate: measure the CI gate')
    .option('--out <dir>', 'results folder', 'results')
    .option('--gate', 'run the quick suite on this commit, clean and with faults, and print the gate\'s false-alarm and detection rates')
    .option('--clean <k>', '--gate: clean runs (every pair is compared)', '5')
    .option('--per-fault <n>', '--gate: runs per fault (each compared with every clean run)', '2')
    .option('--faults <list>', '--gate: memory, latency, cpu, each optionally =size (memory=BYTES, latency=MS, cpu=FRACTION)', 'memory,latency,cpu')
    .option('--from <folder>', '--gate: judge the runs of an earlier calibration folder again, without running')
    .action(async (opts: { out: string; gate?: boolean; clean: string; perFault: string; faults: string; from?: string }) => {
      if (opts.gate || opts.from !== undefined) {
        const { gateCalibrateCommand } = await import('./commands/calibrate-gate.ts');
        process.exitCode = await gateCalibrateCommand(opts, process.argv.slice(2));
        return;
      }
      const { calibrateCommand } = await import('./commands/calibrate.ts');
      endWithNpm();
      process.exitCode = await calibrateCommand(opts, process.argv.slice(2));
    });

  program
    .command('doctor')
    .description('check this machine: open-file cap, ephemeral ports, optional system parts')
    .action(async () => {
      // On demand: it looks for Chromium through the browser module, which loads playwright-core.
      const { doctorCommand } = await import('./commands/doctor.ts');
      process.exitCode = doctorCommand();
    });

  return program;
}

export async function main(argv: string[]): Promise<void> {
  const program = buildProgram();
  try {
    await program.parseAsync(argv, { from: 'user' });
  } catch (err) {
    // A signal is ending the process (cleanup.ts): what failed failed because its processes were
    // stopped; the shutdown says what it kept and exits with 128+signal.
    if (isShuttingDown()) return;
    if (err instanceof CommanderError) {
      // Help and version are not errors; commander already printed the message otherwise.
      process.exitCode = err.exitCode === 0 ? EXIT.ok : EXIT.usage;
      return;
    }
    if (err instanceof UserError) {
      process.stderr.write(`pushbench: ${err.message}\n`);
      process.exitCode = err.exitCode;
      return;
    }
    throw err;
  }
}

await main(process.argv.slice(2));
// Every command has finished its work (serve returns only when its server ended); exit now rather
// than wait for idle keep-alive sockets, and let cleanup.ts end anything still registered. After a
// signal cleanup.ts exits, once the interrupted command has kept what it measured.
if (!isShuttingDown()) process.exit(process.exitCode ?? EXIT.ok);
