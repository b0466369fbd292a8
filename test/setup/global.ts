import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import path from 'node:path';
import type { TestProject } from 'vitest/node';
import { loadConfig } from '../../src/config.js';
import { migrate } from '../../src/db/migrate.js';
import { startEmbeddedPostgres } from '../../src/db/embedded.js';

export const TEMPLATE_DB = 'gateway_template';

/**
 * One real PostgreSQL for the whole run (embedded, fsync off), with a template database
 * that already has every migration; each test file clones it (CREATE DATABASE … TEMPLATE),
 * which takes milliseconds and isolates files completely. The project is also compiled,
 * because some tests start real gateway processes from dist/.
 */
export default async function setup(project: TestProject) {
  // Emits even when a type is wrong (the type check is its own step of `npm test`), so that a
  // focused `vitest run` works while something unrelated is half-written.
  try {
    execFileSync(process.execPath, [path.resolve('node_modules/typescript/bin/tsc'), '-p', 'tsconfig.json'], { stdio: 'pipe' });
  } catch {
    /* reported by `npm run typecheck` */
  }
  mkdirSync(path.resolve('.data'), { recursive: true });
  const dir = mkdtempSync(path.resolve('.data', 'test-pg-'));
  const pg = await startEmbeddedPostgres({ dir, ephemeral: true });
  const admin = new URL(pg.url);
  const { default: Pg } = await import('pg');
  const client = new Pg.Client(admin.toString());
  await client.connect();
  await client.query(`drop database if exists ${TEMPLATE_DB}`);
  await client.query(`create database ${TEMPLATE_DB}`);
  await client.end();
  const templateUrl = new URL(pg.url);
  templateUrl.pathname = `/${TEMPLATE_DB}`;
  await migrate(templateUrl.toString(), loadConfig({}).database);
  project.provide('pgUrl', pg.url);
  return async () => {
    await pg.stop();
    rmSync(dir, { recursive: true, force: true });
  };
}

declare module 'vitest' {
  export interface ProvidedContext {
    pgUrl: string;
  }
}
