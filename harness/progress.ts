// The runner emits typed progress events; a tracker (progress-tracker.ts) draws them on stderr.
// Keeping them apart lets tests collect events and CI logs stay readable.
export type ProgressEvent =
  | { type: 'run-start'; runDir: string; totalSteps: number }
  | { type: 'step-start'; index: number; title: string }
  | { type: 'phase'; text: string }
  | { type: 'step-end'; index: number; title: string; state: 'completed' | 'invalid' | 'failed'; note: string }
  | { type: 'skip'; server: string; reason: string }
  | { type: 'notice'; text: string }
  | { type: 'run-end'; runDir: string };

export type ProgressSink = (event: ProgressEvent) => void;
