// Draws progress events on stderr: a cli-progress bar on a TTY, plain lines otherwise (CI logs).
import cliProgress from 'cli-progress';
import type { ProgressSink } from './progress.ts';

export function stderrProgress(): ProgressSink {
  const tty = process.stderr.isTTY === true;
  let bar: cliProgress.SingleBar | null = null;
  const log = (line: string): void => {
    if (bar) bar.stop();
    process.stderr.write(`${line}\n`);
  };
  return (e) => {
    switch (e.type) {
      case 'run-start':
        process.stderr.write(`pushbench: ${e.totalSteps} steps, results in ${e.runDir}\n`);
        if (tty) {
          bar = new cliProgress.SingleBar(
            { format: '{bar} {value}/{total} {title}', stream: process.stderr, hideCursor: true, clearOnComplete: true },
            cliProgress.Presets.shades_classic,
          );
          bar.start(e.totalSteps, 0, { title: '' });
        }
        return;
      case 'step-start':
        if (bar) bar.update(e.index, { title: e.title });
        else process.stderr.write(`[${e.index + 1}] ${e.title}\n`);
        return;
      case 'phase':
        if (bar) bar.update({ title: e.text });
        else process.stderr.write(`    ${e.text}\n`);
        return;
      case 'step-end': {
        // A reason may carry a server's last output after its first line: indented under it.
        const note = e.note.replace(/\r\n|\r|\n/g, '\n      ');
        const line = `[${e.index + 1}] ${e.title}: ${e.state}${note ? ` (${note})` : ''}`;
        if (bar) {
          bar.update(e.index + 1, { title: '' });
          if (e.state !== 'completed') {
            bar.stop();
            process.stderr.write(`${line}\n`);
            bar.start(bar.getTotal(), e.index + 1, { title: '' });
          }
        } else process.stderr.write(`${line}\n`);
        return;
      }
      case 'notice':
        log(`pushbench: ${e.text}`);
        return;
      case 'skip':
        log(`pushbench: skipping ${e.server}: ${e.reason}`);
        return;
      case 'run-end':
        if (bar) bar.stop();
        bar = null;
        return;
    }
  };
}
