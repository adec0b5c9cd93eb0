// `pushbench servers`: what can be benchmarked here, and why not when it cannot.
import { listServers } from '../../harness/servers/registry.ts';
import { unavailableReason } from '../../harness/servers/spec.ts';
import { formatTable } from '../../reports/terminal.ts';
import { hiddenNote } from './hidden-note.ts';

export function serversCommand(json: boolean): void {
  const rows = listServers().map((s) => {
    const reason = unavailableReason(s);
    return { name: s.name, protocol: s.protocol, language: s.language, pair: s.pair ?? '-', available: reason === null, status: reason ?? 'available' };
  });
  if (json) {
    process.stdout.write(`${JSON.stringify(rows, null, 2)}\n`);
    return;
  }
  process.stdout.write(
    formatTable(
      ['name', 'protocol', 'language', 'pair', 'status'],
      rows.map((r) => [r.name, r.protocol, r.language, r.pair, r.status]),
    ),
  );
  const note = hiddenNote();
  if (note !== null) process.stdout.write(`\n${note}\n`);
}
