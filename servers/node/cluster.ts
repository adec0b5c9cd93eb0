// The clustered Node servers (node-sse-cluster, node-ws-cluster): the node-sse / node-ws wire
// served by PUSHBENCH_WORKERS node:cluster worker processes behind one port, so one host can hold
// more connections than one process's open-file cap. The same file runs as the primary and, forked
// by it, as every worker (cluster.fork re-runs the entry script with the same execArgv).
import cluster from 'node:cluster';
import { runPrimary } from './cluster-primary.ts';
import { runWorker, type ClusterServer } from './cluster-worker.ts';

export type { ClusterServer } from './cluster-worker.ts';

export function runCluster(spec: ClusterServer): void {
  if (cluster.isPrimary) runPrimary(spec.name, spec.protocol);
  else runWorker(spec);
}
