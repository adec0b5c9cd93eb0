// The one escaping path from result text to HTML and Markdown. A result file is untrusted input
// (reports are published and shared, anyone can edit a results.json): every piece of text from it,
// numbers included, goes through esc / escMd, and every link through safeHref.
import { reasonParts } from '../result/reason.ts';

const MAP: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/** Text for HTML content or a quoted attribute value. */
export function esc(value: unknown): string {
  return String(value).replace(/[&<>"']/g, (c) => MAP[c]!);
}

/**
 * Text for a Markdown table cell or line: GitHub renders HTML inside Markdown, so markup is
 * escaped as in HTML; Markdown's own syntax that could make a link, an image, code or emphasis out
 * of data (`[ ] ( ) \` * _ ~ \\`) is backslash-escaped; `|` would end the cell and a newline the row.
 */
export function escMd(value: unknown): string {
  // Quotes stay as they are: without a `<` no tag, so no attribute, can start (the write-up's, not write-up&#39;s).
  return String(value)
    .replace(/[\\`*_~[\]|]/g, '\\$&')
    .replace(/[&<>]/g, (c) => MAP[c]!)
    .replace(/\r?\n|\r/g, ' ');
}

/** Schemes a report may link to; anything else (javascript:, data:, vbscript:, file:) is refused. */
const SAFE_PROTOCOLS = new Set(['http:', 'https:']);
/** Stands in for the report's own location, so a relative link resolves to http: and passes. */
const BASE = 'http://report.invalid/run/';

/**
 * An escaped href for a link, or null when the target is neither http(s): nor relative. Parsed
 * the way a browser parses it (WHATWG URL), so `java\tscript:`, ` javascript:` or `JaVaScRiPt:`
 * are seen for what they are.
 */
export function safeHref(target: unknown): string | null {
  if (typeof target !== 'string' || target === '') return null;
  let url: URL;
  try {
    url = new URL(target, BASE);
  } catch {
    return null;
  }
  return SAFE_PROTOCOLS.has(url.protocol) ? esc(target) : null;
}

/** `<a href>` around escaped text when the target is safe; the text alone (no link) when it is not. */
export function link(target: unknown, text: unknown): string {
  const href = safeHref(target);
  return href === null ? esc(text) : `<a href="${href}">${esc(text)}</a>`;
}

/**
 * A failed step's reason as HTML: its first line as text, the process output after it (a crashed
 * server's last lines) as a preformatted block, line for line. Both escaped.
 */
export function reasonHtml(reason: unknown): string {
  const [first = '', ...rest] = String(reason).split(/\r\n|\r|\n/);
  return rest.length === 0 ? esc(first) : `${esc(first)}<pre class="tail">${esc(rest.join('\n'))}</pre>`;
}

/**
 * A reason for a Markdown list item: the headline for the item's line (escaped) and the output
 * after it as a fenced block indented under the item. Nothing in a fence is markup; the fence is
 * longer than any run of backticks in the text, so no line can close it early.
 */
export function reasonMd(reason: unknown): { line: string; block: string[] } {
  const text = String(reason);
  const [first = ''] = text.split(/\r\n|\r|\n/);
  const { tail } = reasonParts(text);
  if (tail.length === 0) return { line: escMd(first), block: [] };
  const longest = Math.max(0, ...(tail.join('\n').match(/`+/g) ?? []).map((r) => r.length));
  const fence = '`'.repeat(Math.max(3, longest + 1));
  return { line: escMd(first), block: ['', `  ${fence}text`, ...tail.map((l) => `  ${l}`), `  ${fence}`, ''] };
}
