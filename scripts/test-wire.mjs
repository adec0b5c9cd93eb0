// node:test's events as JSON, for a lane of `npm test` that runs in a process of its own
// (scripts/test-lane.mjs) and reports to scripts/test.mjs over IPC. JSON drops what an Error keeps
// outside its enumerable properties (name, message, stack, cause), and the reporters print those;
// an error is sent as a plain object marked as one and rebuilt as an Error with the same properties,
// so a failure in the lane prints as it would have in the parent.
import { inspect } from 'node:util';

const MARK = '__testWireError';

/** `event` as one JSON string: errors flattened, bigints as strings, undefined dropped. */
export function toWire(event) {
  const replacer = (_key, value) => {
    if (typeof value === 'bigint') return `${value}n`;
    if (value instanceof Error) return { [MARK]: true, ...value, name: value.name, message: value.message, stack: value.stack, cause: value.cause };
    return value;
  };
  try {
    return JSON.stringify(event, replacer);
  } catch {
    // A circular value in an assertion's expected/actual: the error as the reporter would show it.
    const error = event.data?.details?.error;
    const plain = error === undefined ? undefined : { [MARK]: true, name: 'Error', message: inspect(error, { depth: 4 }), stack: '' };
    return JSON.stringify({ ...event, data: { ...event.data, details: { ...event.data.details, error: plain } } }, replacer);
  }
}

/** The event `toWire` wrote, its errors rebuilt as Errors. */
export function fromWire(text) {
  return JSON.parse(text, (_key, value) => {
    if (value === null || typeof value !== 'object' || value[MARK] !== true) return value;
    const { [MARK]: _mark, name, message, stack, ...rest } = value;
    const error = Object.assign(new Error(message), rest);
    Object.defineProperty(error, 'stack', { value: stack, writable: true, configurable: true });
    if (name !== 'Error') Object.defineProperty(error, 'name', { value: name, writable: true, configurable: true });
    return error;
  });
}
