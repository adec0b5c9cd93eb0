// A broker target: a push server nobody here wrote (nginx + nchan, Pushpin, the user's own), driven
// through its publish API instead of the contract's control endpoints. Data only: the harness's
// launchers (harness/broker/) read it.

/** One HTTP request the harness sends per publish, with placeholders filled per event. */
export interface PublishTemplate {
  url: string;
  method: 'POST' | 'PUT';
  headers: Record<string, string>;
  /**
   * Placeholders: {{data}} the event's data JSON `{"seq":..,"t0":"..","t1":"..","pad":".."}`,
   * {{envelope}} the WS envelope `{"id":seq,"event":"tick","data":<data>}`, {{sse_event}} a whole
   * SSE event `id: seq\nevent: tick\ndata: <data>\n\n`; {{data_string}}, {{envelope_string}},
   * {{sse_event_string}} the same as JSON string literals (to embed in a JSON body); {{seq}}.
   */
  body: string;
}

/** Where the broker says how many subscribers it holds. */
export interface StatusSpec {
  url: string;
  /** A regular expression whose first group is the subscriber count in the status body. */
  connections: string;
}

export type BrokerDescription = (
  | { kind: 'nchan' }
  | { kind: 'pushpin' }
  | {
      kind: 'custom';
      /** Path (and query) subscribers ask for on the broker's host and port. */
      subscribePath: string;
      host: string;
      port: number;
      publish: PublishTemplate;
      status: StatusSpec | null;
    }
) & {
  /**
   * Most connections per second the broker accepts without refusing some: the ramp is held to it
   * (and says so). Pushpin 1.36 answers 502 to subscribes beyond ~100 queued to its origin.
   */
  maxRampPerSecond?: number;
  /**
   * Most subscribes the broker takes unanswered at once: the ramp dials no further while that many
   * wait for their answer (a closed loop, so a busy broker slows the ramp instead of refusing).
   * Pushpin 1.36 forwards every subscribe to its origin through zurl and answers 502 when ~100 wait
   * there, which a fixed rate reaches whenever the machine is loaded.
   */
  maxPendingConnects?: number;
};

