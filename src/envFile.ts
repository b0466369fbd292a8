import { readFileSync } from 'node:fs';
import { parseEnv } from 'node:util';

/**
 * Reads KEY=value lines from `file` into `env` when the file exists (what `.env.example`
 * invites: "Copy to .env"). A variable already set in the environment wins over the file,
 * as with `node --env-file`. ENV_FILE names another file; ENV_FILE=none reads none.
 * Returns the path read, or null.
 */
export function loadEnvFile(env: Record<string, string | undefined> = process.env): string | null {
  const file = env.ENV_FILE ?? '.env';
  if (file === 'none' || file === '') return null;
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT' && env.ENV_FILE === undefined) return null;
    throw new Error(`could not read the settings file ${file}: ${(e as Error).message}`);
  }
  for (const [key, value] of Object.entries(parseEnv(text))) if (env[key] === undefined) env[key] = value;
  return file;
}
