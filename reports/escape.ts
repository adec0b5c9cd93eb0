// Every piece of text that comes from a result file is escaped before it reaches HTML: a server
// name is data, never markup.
const MAP: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

export function esc(value: unknown): string {
  return String(value).replace(/[&<>"']/g, (c) => MAP[c]!);
}

/**
 * Text for a Markdown table cell or line: GitHub renders HTML inside Markdown, so markup is
 * escaped as in HTML; `|` would end the cell and a newline the row.
 */
export function escMd(value: unknown): string {
  return esc(value).replace(/\|/g, '\\|').replace(/\r?\n/g, ' ');
}
