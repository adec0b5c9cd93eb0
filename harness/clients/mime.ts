// The one MIME check an event stream needs: the Content-Type's essence (type/subtype, compared
// ASCII case-insensitively, parameters ignored) must be exactly text/event-stream, as the HTML
// standard's EventSource requires. `text/event-streamx` is another type; `TEXT/Event-Stream` is not.
const HTTP_WHITESPACE = /^[\t\n\r ]+|[\t\n\r ]+$/g;

/** The essence of a Content-Type value ("" when it has no type/subtype), lower-cased. */
export function mimeEssence(contentType: string): string {
  const semicolon = contentType.indexOf(';');
  const essence = (semicolon < 0 ? contentType : contentType.slice(0, semicolon)).replace(HTTP_WHITESPACE, '').toLowerCase();
  const slash = essence.indexOf('/');
  return slash > 0 && slash < essence.length - 1 && !/[\s"(),/:;<=>?@[\\\]{}]/.test(essence.slice(0, slash) + essence.slice(slash + 1)) ? essence : '';
}

export function isEventStream(contentType: string | undefined): boolean {
  return contentType !== undefined && mimeEssence(contentType) === 'text/event-stream';
}
