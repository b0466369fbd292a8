import { mkdir, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';

/** One line of the final table: a figure, the baseline it is compared with, its target. */
export interface Row {
  figure: string;
  value: string;
  baseline: string;
  ratio: string;
  target: string;
  /** PASS / MISS against the target; INFO when there is none; VOID when the run is void. */
  verdict: 'PASS' | 'MISS' | 'INFO' | 'VOID';
}

export const row = (figure: string, value: string, baseline = '', ratio = '', target = '', pass: boolean | null = null): Row => ({
  figure,
  value,
  baseline,
  ratio,
  target,
  verdict: pass === null ? 'INFO' : pass ? 'PASS' : 'MISS',
});

export function printTable(title: string, rows: Row[]): string {
  const head: Row = { figure: 'Figure', value: 'Value', baseline: 'Baseline', ratio: 'Ratio', target: 'Target', verdict: 'INFO' };
  const cols = ['figure', 'value', 'baseline', 'ratio', 'target'] as const;
  const width = cols.map((c) => Math.max(...[head, ...rows].map((r) => r[c].length)));
  const line = (r: Row, verdict: string) => `| ${cols.map((c, i) => r[c].padEnd(width[i]!)).join(' | ')} | ${verdict.padEnd(7)} |`;
  const text = [
    title,
    '',
    line(head, 'Verdict'),
    `|${width.map((w) => '-'.repeat(w + 2)).join('|')}|---------|`,
    ...rows.map((r) => line(r, r.verdict === 'INFO' ? '' : r.verdict)),
  ].join('\n');
  process.stdout.write(`\n${text}\n\n`);
  return text;
}

export function machine(postgres: string): Record<string, unknown> {
  return {
    cores: os.cpus().length,
    cpu: os.cpus()[0]?.model ?? 'unknown',
    memoryGb: Math.round(os.totalmem() / 2 ** 30),
    os: `${os.type()} ${os.release()}`,
    node: process.version,
    postgres,
  };
}

/** Writes bench/results/<YYYY-MM-DD>.json (one file per day: the latest run of the day wins). */
export async function writeJson(results: Record<string, unknown>): Promise<string> {
  const dir = path.resolve('bench/results');
  await mkdir(dir, { recursive: true });
  const file = path.join(dir, `${new Date().toISOString().slice(0, 10)}${results['quick'] ? '-quick' : ''}.json`);
  await writeFile(file, `${JSON.stringify(results, null, 2)}\n`);
  return file;
}

/** A plain table (the scaling curves): one header, rows of cells, columns padded. */
export function printGrid(title: string, header: string[], rows: string[][]): string {
  const width = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) => `| ${cells.map((c, i) => c.padEnd(width[i]!)).join(' | ')} |`;
  const text = [title, '', line(header), `|${width.map((w) => '-'.repeat(w + 2)).join('|')}|`, ...rows.map(line)].join('\n');
  process.stdout.write(`\n${text}\n\n`);
  return text;
}
