import { createClient, type Client, type ClientOptions } from 'graphql-ws';
import WebSocket from 'ws';
import { createLogger } from '../../src/log.js';
import { createRuntime, type Runtime } from '../../src/runtime.js';
import type { Env } from '../../src/config.js';
import { createTestDatabase } from './db.js';
import { fakeResolver, testConfig } from './gateway.js';

export const PLATFORM_KEY = 'platform-key-for-tests-0123456789';

export interface GqlResult<T = Record<string, unknown>> {
  status: number;
  data?: T;
  errors?: Array<{ message: string; extensions?: { code?: string; field?: string; reason?: string } ; path?: string[] }>;
}

/** A real gateway (API + workers) on its own database, listening on 127.0.0.1. */
export async function startApiGateway(env: Partial<Record<keyof Env, string>> = {}, opts: { url?: string } = {}) {
  const fresh = opts.url ? null : await createTestDatabase();
  const url = opts.url ?? fresh!.url;
  const config = testConfig({ DATABASE_URL: url, PORT: '0', HOST: '127.0.0.1', PLATFORM_API_KEY: PLATFORM_KEY, ROLES: 'api,workers', ...env });
  const gateway: Runtime = await createRuntime(config, { logger: createLogger(process.env.TEST_LOG_LEVEL ?? 'silent'), resolve: fakeResolver });
  return {
    gateway,
    dbUrl: url,
    http: gateway.url!,
    async close() {
      await gateway.stop();
      await fresh?.drop();
    },
  };
}

/** A GraphQL client over plain HTTP (fetch), as any consumer would call the API. */
export function gqlClient(base: string, key?: string) {
  return async <T = Record<string, unknown>>(query: string, variables?: Record<string, unknown>): Promise<GqlResult<T>> => {
    const res = await fetch(`${base}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(key ? { authorization: `Bearer ${key}` } : {}) },
      body: JSON.stringify({ query, variables }),
    });
    const body = (await res.json()) as Omit<GqlResult<T>, 'status'>;
    return { status: res.status, ...body };
  };
}

/** Data of a call that must succeed; throws with the errors otherwise. */
export async function ok<T>(p: Promise<GqlResult<T>>): Promise<T> {
  const r = await p;
  if (r.errors?.length || !r.data) throw new Error(`GraphQL errors: ${JSON.stringify(r.errors)}`);
  return r.data;
}

/** A graphql-ws client on the gateway's WebSocket endpoint. */
export function wsClient(base: string, key?: string, on?: ClientOptions['on']): Client {
  return createClient({
    url: `${base.replace(/^http/, 'ws')}/graphql`,
    webSocketImpl: WebSocket,
    connectionParams: key ? { authorization: `Bearer ${key}` } : {},
    retryAttempts: 0,
    on,
  });
}
