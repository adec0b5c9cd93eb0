// A failed step's reason: one headline line, optionally followed by the last lines a process
// printed ("server node-sse exited (signal SIGKILL) during the window; its last output:\n...").
// The whole reason is kept in the result and shown in the steps table and on stderr; sentences
// (verdicts, claims) quote the headline only. Bounded here, once, so every reason keeps its tail
// without a runaway message filling a result file.

/** What joins a headline to the output lines after it. */
export const OUTPUT_MARK = '; its last output:';

/** Lines of a process's output a reason keeps (the last ones: where a crash says why). */
export const TAIL_LINES = 15;
const MAX_LINES = 40;
const MAX_LINE_CHARS = 500;

/** Control characters a terminal or a page would interpret (ANSI colours, carriage returns), never newline or tab. */
const CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f]/g;

function cleanLine(line: string): string {
  const l = line.replace(CONTROL, '').trimEnd();
  return l.length > MAX_LINE_CHARS ? `${l.slice(0, MAX_LINE_CHARS)}…` : l;
}

/** `headline; its last output:\n<the last lines>`, or `headline (it printed nothing)`. */
export function withOutputTail(headline: string, output: string, lines = TAIL_LINES): string {
  const all = output.split(/\r\n|\r|\n/).map(cleanLine);
  while (all.length > 0 && all[0] === '') all.shift();
  while (all.length > 0 && all[all.length - 1] === '') all.pop();
  if (all.length === 0) return `${headline} (it printed nothing)`;
  return `${headline}${OUTPUT_MARK}\n${all.slice(-lines).join('\n')}`;
}

/**
 * Any error's message as a step reason: every line kept (a server's output after the first line is
 * the point), control characters removed, at most MAX_LINES lines: the first and the last ones.
 */
export function boundedReason(message: string): string {
  const lines = message.split(/\r\n|\r|\n/).map(cleanLine);
  while (lines.length > 1 && lines[lines.length - 1] === '') lines.pop();
  if (lines.length <= MAX_LINES) return lines.join('\n');
  const kept = lines.slice(-(MAX_LINES - 2));
  return [lines[0]!, `… (${lines.length - 1 - kept.length} lines left out)`, ...kept].join('\n');
}

/** The headline (without the output mark) and the lines after it. */
export function reasonParts(reason: string): { headline: string; tail: string[] } {
  const [first = '', ...rest] = reason.split(/\r\n|\r|\n/);
  const headline = first.endsWith(OUTPUT_MARK) ? first.slice(0, -OUTPUT_MARK.length) : first;
  return { headline, tail: rest };
}

/** The headline alone, for a sentence (a verdict, a claim); the steps list shows the rest. */
export function reasonHeadline(reason: string): string {
  return reasonParts(reason).headline;
}
