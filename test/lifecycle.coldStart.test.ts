import pg from 'pg';
import { randomBytes } from 'node:crypto';
import { describe, expect, inject, it } from 'vitest';
import { startGatewayProcess } from './helpers/processes.js';

/** An empty database (no template: nothing migrated), dropped afterwards. */
async function emptyDatabase(): Promise<{ url: string; drop(): Promise<void> }> {
  const admin = inject('pgUrl');
  const name = `cold_${randomBytes(5).toString('hex')}`;
  const run = async (sql: string) => {
    const c = new pg.Client(admin);
    await c.connect();
    try {
      await c.query(sql);
    } finally {
      await c.end();
    }
  };
  await run(`create database ${name}`);
  const url = new URL(admin);
  url.pathname = `/${name}`;
  return { url: url.toString(), drop: () => run(`drop database if exists ${name} with (force)`) };
}

describe('start-up that many processes can share', () => {
  // Rounds are separate tests so that each has the whole hang guard on a busy machine; the race
  // they look for showed in 1 of 3 trials before migrations took a lock (`npm run reliability`
  // runs more rounds).
  it.for([1, 2, 3])('three processes cold-starting together on one empty database all come up with one demo account (round %i of 3)', async () => {
    const db = await emptyDatabase();
    const env = { DATABASE_URL: db.url, ROLES: 'api,workers', PORT: '0', HOST: '127.0.0.1' };
    const started = await Promise.allSettled([0, 1, 2].map(() => startGatewayProcess(env, 'gateway ready')));
    try {
      expect(started.map((s) => (s.status === 'rejected' ? String(s.reason).slice(0, 500) : 'up'))).toEqual(['up', 'up', 'up']);
      const procs = started.flatMap((s) => (s.status === 'fulfilled' ? [s.value] : []));
      for (const p of procs) {
        const base = /"url":"(http:\/\/127\.0\.0\.1:\d+)\/graphql"/.exec(p.output())![1]!;
        expect((await fetch(`${base}/readyz`)).status).toBe(200);
      }
      // Exactly one of them applied the migrations and one seeded the demo account.
      expect(procs.filter((p) => p.output().includes('migrations applied'))).toHaveLength(1);
      expect(procs.filter((p) => p.output().includes('A demo account was created'))).toHaveLength(1);
      const c = new pg.Client(db.url);
      await c.connect();
      const { rows } = await c.query<{ n: number }>('select count(*)::int as n from account');
      await c.end();
      expect(rows[0]!.n).toBe(1);
    } finally {
      await Promise.all(started.map((s) => (s.status === 'fulfilled' ? s.value.stop() : undefined)));
      await db.drop();
    }
  });
});
