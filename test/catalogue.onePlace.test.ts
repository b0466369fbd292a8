import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { catalogue } from '../src/core/catalogue/index.js';

/** Every .ts file under `dir`, as paths relative to the repository. */
function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    return e.isDirectory() ? sources(p) : p.endsWith('.ts') ? [p] : [];
  });
}

// The catalogue itself, and migrations (history: a migration states what the schema was).
const ALLOWED = [path.join('src', 'core', 'catalogue') + path.sep, path.join('src', 'db', 'migrations') + path.sep];

describe('channels and events are written down once', () => {
  it('no source file outside the catalogue names a channel or an event as a string literal', () => {
    const names = [...catalogue.channelIds(), ...catalogue.subscribableNames()];
    const literal = new RegExp(`['"](${names.map((n) => n.replace('.', '\\.')).join('|')})['"]`);
    const offenders = sources('src')
      .filter((file) => !ALLOWED.some((a) => file.startsWith(a)))
      .flatMap((file) =>
        readFileSync(file, 'utf8')
          .split('\n')
          .map((line, i) => ({ where: `${file}:${i + 1}`, line: line.trim() }))
          .filter(({ line }) => literal.test(line) && !/^(\/\*\*|\*|\/\/)/.test(line)),
      );
    expect(offenders).toEqual([]);
  });
});
