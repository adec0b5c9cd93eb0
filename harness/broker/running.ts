// What every broker launcher hands back: the process subscribers connect to, how to publish to it
// and how to count its subscribers.
import type { RunningServer } from '../lifecycle/server-process.ts';
import type { Publisher } from './publisher.ts';

export interface RunningBroker {
  /** The broker's main process (sampled with its process tree) and the subscribers' host and port. */
  server: RunningServer;
  /** Path (and query) subscribers ask for. */
  subscribePath: string;
  publisher: Publisher;
  /** Subscribers the broker holds now, from its status endpoint or /proc (see `countedBy`). */
  connections(): Promise<number>;
  countedBy: string;
  /** Ends the broker and everything started with it. */
  stop(): Promise<void>;
}
