// Broker targets in the config file: the user's own push server that speaks no contract (Mercure,
// Centrifugo, their nchan), described by how to subscribe, how to publish and how to count its
// subscribers. Validated once here into ServerSpecs, one per protocol, paired with each other.
import { isAbsolute, resolve } from 'node:path';
import { z } from 'zod';
import { PLACEHOLDERS } from '../harness/broker/publisher.ts';
import type { Protocol } from '../servers/contract.ts';
import { CONTRACT_STOP_GRACE_MS, type ServerSpec } from '../harness/servers/spec.ts';
import { commandRequirement } from './requirements.ts';

const LOOPBACK = /^127(\.\d{1,3}){3}$/;

function loopbackUrl(schemes: string[]) {
  return z
    .string()
    .url()
    .superRefine((raw, ctx) => {
      const u = new URL(raw);
      if (!schemes.includes(u.protocol)) ctx.addIssue({ code: 'custom', message: `must start with ${schemes.map((s) => `${s}//`).join(' or ')}` });
      if (!LOOPBACK.test(u.hostname)) ctx.addIssue({ code: 'custom', message: `must be on 127.0.0.0/8 (load goes to loopback only), not ${u.hostname}` });
      if (u.port === '') ctx.addIssue({ code: 'custom', message: 'must name its port' });
    });
}

const placeholder = new RegExp(`\\{\\{(?!(?:${PLACEHOLDERS.join('|')})\\}\\})[^}]*\\}\\}`);
const template = z.string().refine((t) => !placeholder.test(t), `unknown placeholder; known: ${PLACEHOLDERS.map((p) => `{{${p}}}`).join(', ')}`);

export const userBrokerSchema = z
  .object({
    name: z.string().regex(/^[A-Za-z0-9._-]{1,36}$/, 'letters, digits, . _ - only (max 36)'),
    description: z.string().default('user-defined broker'),
    /** Starts the broker (its own process group, ended like a server); its ports are its own config's. */
    command: z.string().min(1),
    args: z.array(z.string()).default([]),
    env: z.record(z.string(), z.string()).default({}),
    cwd: z.string().min(1).optional(),
    subscribe: z
      .object({ sse: loopbackUrl(['http:']).optional(), ws: loopbackUrl(['ws:']).optional() })
      .strict()
      .refine((s) => s.sse !== undefined || s.ws !== undefined, 'give an sse or a ws subscribe URL (or both)'),
    publish: z
      .object({
        url: loopbackUrl(['http:']),
        method: z.enum(['POST', 'PUT']).default('POST'),
        headers: z.record(z.string(), z.string()).default({}),
        /**
         * What the subscriber must receive, per protocol: an SSE event whose data is {{data}}, a WS
         * frame that is {{envelope}}. That is where the clients read seq, t0 and t1.
         */
        body: z.object({ sse: template.default('{{data}}'), ws: template.default('{{envelope}}') }).strict().default({ sse: '{{data}}', ws: '{{envelope}}' }),
      })
      .strict(),
    status: z.object({ url: loopbackUrl(['http:']), connections: z.string().min(1) }).strict().nullable().default(null),
    /** Connections per second the broker takes without refusing any; the ramp is held to it. */
    maxRampPerSecond: z.number().int().positive().optional(),
    /** Subscribes the broker takes unanswered at once; the ramp waits for answers beyond it. */
    maxPendingConnects: z.number().int().positive().optional(),
  })
  .strict()
  .superRefine((b, ctx) => {
    if (b.status) {
      try {
        new RegExp(b.status.connections, 'm');
      } catch (err) {
        ctx.addIssue({ code: 'custom', path: ['status', 'connections'], message: `not a regular expression: ${(err as Error).message}` });
      }
    }
  });

export type UserBroker = z.output<typeof userBrokerSchema>;

/** One ServerSpec per subscribe URL given: `<name>-sse`, `<name>-ws`, paired as `<name>`. */
export function brokerSpecs(b: UserBroker, base: string): ServerSpec[] {
  const cwd = b.cwd === undefined ? base : isAbsolute(b.cwd) ? b.cwd : resolve(base, b.cwd);
  const both = b.subscribe.sse !== undefined && b.subscribe.ws !== undefined;
  const out: ServerSpec[] = [];
  for (const protocol of ['sse', 'ws'] as const satisfies readonly Protocol[]) {
    const raw = b.subscribe[protocol];
    if (raw === undefined) continue;
    const url = new URL(raw);
    out.push({
      name: `${b.name}-${protocol}`,
      protocol,
      language: 'broker',
      pair: both ? b.name : null,
      description: b.description,
      reportsHeap: false,
      processes: 1,
      launch: { command: b.command, args: b.args, env: b.env, cwd, stopGraceMs: CONTRACT_STOP_GRACE_MS },
      requires: [commandRequirement(b.command, cwd)],
      broker: {
        kind: 'custom',
        subscribePath: `${url.pathname}${url.search}`,
        host: url.hostname,
        port: Number(url.port),
        publish: { url: b.publish.url, method: b.publish.method, headers: b.publish.headers, body: b.publish.body[protocol] },
        status: b.status,
        ...(b.maxRampPerSecond === undefined ? {} : { maxRampPerSecond: b.maxRampPerSecond }),
        ...(b.maxPendingConnects === undefined ? {} : { maxPendingConnects: b.maxPendingConnects }),
      },
    });
  }
  return out;
}
