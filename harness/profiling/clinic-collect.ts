// Runs one server under a clinic.js profiler and turns what it collected into clinic's HTML.
// Started by the harness in place of the server (see clinic.ts), so it is the leader of the
// server's process group: the harness's SIGTERM reaches both. The server exits (its data is written
// on exit), this launcher ignores the signal, waits for the collection, renders the HTML and exits.
// We use each tool's programmatic API rather than the `clinic` CLI: the CLI pulls in bubbleprof
// (which hangs here), an update notifier and an analytics prompt that, without a TTY, silently
// writes nothing.
//
// argv: <flame|doctor|heapprofiler> <dest dir> <server name> -- <command> [args...]
import { writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { basename, join } from 'node:path';
import { PROFILE_RECORD_SUFFIX } from './profile-record.ts';
import type { ProfileRecord } from '../../result/extras.ts';
import { PROFILERS, type Profiler } from '../../result/profilers.ts';

interface ClinicTool {
  collect(args: string[], cb: (err: Error | null, dataPath: string) => void): void;
  visualize(dataPath: string, htmlPath: string, cb: (err: Error | null | undefined) => void): void;
}
type ClinicToolClass = new (settings: { dest: string; name: string; debug: boolean }) => ClinicTool;

const PACKAGES: Record<Profiler, string> = {
  flame: '@clinic/flame',
  doctor: '@clinic/doctor',
  heapprofiler: '@clinic/heap-profiler',
};

const [tool, dest, server, sep, ...command] = process.argv.slice(2);
if (!PROFILERS.includes(tool as Profiler) || !dest || !server || sep !== '--' || command.length === 0) {
  process.stderr.write('usage: clinic-collect <flame|doctor|heapprofiler> <dest> <name> -- <command> [args...]\n');
  process.exit(2);
}
const require = createRequire(import.meta.url);
const Tool = require(PACKAGES[tool as Profiler]) as ClinicToolClass;
// One server name starts many times in a run (a session per step): our pid keeps files apart.
const name = `${server}-${process.pid}`;
// Doctor minifies its page's script with terser unless `debug` is set: 2 of its ~5 s of CPU here,
// for a page that renders the same (1 MB instead of 0.34 MB: debug also inlines a source map). The
// other tools do not minify; `debug` would only add the source map to theirs.
const profiler = new Tool({ dest, name, debug: tool === 'doctor' });
const startedAt = new Date().toISOString();

// The group's SIGTERM is for the server; we stay to write the profile.
const ignore = (): void => {};
process.on('SIGTERM', ignore);
process.on('SIGINT', ignore);

profiler.collect(command, (err, dataPath) => {
  if (err) {
    process.stderr.write(`clinic-collect: ${tool} collected nothing: ${err.message}\n`);
    process.exit(1);
  }
  profiler.visualize(dataPath, `${dataPath}.html`, (vizErr) => {
    if (vizErr) {
      process.stderr.write(`clinic-collect: ${tool} could not render ${dataPath}: ${vizErr.message}\n`);
      process.exit(1);
    }
    const record: ProfileRecord = { server, profiler: tool as Profiler, html: `${basename(dataPath)}.html`, startedAt, finishedAt: new Date().toISOString() };
    writeFileSync(join(dest, `${name}${PROFILE_RECORD_SUFFIX}`), `${JSON.stringify(record)}\n`);
    process.stderr.write(`clinic-collect: wrote ${dataPath}.html\n`);
    process.exit(0);
  });
});
