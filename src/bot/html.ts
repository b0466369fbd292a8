/** Helpers for the bot's HTML messages (parse_mode HTML: only <, > and & need escaping). */

export const esc = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/** Cuts long text, saying how much was left out. */
export function shorten(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max)}\n… (${text.length - max} more characters)`;
}

export const code = (s: string): string => `<code>${esc(s)}</code>`;

export const pre = (s: string, language?: string): string =>
  language ? `<pre><code class="language-${language}">${esc(s)}</code></pre>` : `<pre>${esc(s)}</pre>`;

/** 2026-11-23 10:00:01 UTC → "10:00:01 UTC" today, else the date too. */
export function when(d: Date, now = new Date()): string {
  const iso = d.toISOString();
  const time = `${iso.slice(11, 19)} UTC`;
  return iso.slice(0, 10) === now.toISOString().slice(0, 10) ? time : `${iso.slice(0, 10)} ${time}`;
}

/** 600000 → "10 min", 3600000 → "1 h", 1500 → "1.5 s". */
export function duration(ms: number): string {
  if (ms % 3_600_000 === 0) return `${ms / 3_600_000} h`;
  if (ms >= 60_000) return `${Math.round(ms / 60_000)} min`;
  return `${Number((ms / 1000).toFixed(1))} s`;
}

export const plural = (n: number, word: string): string => `${n} ${n === 1 ? word : /[^aeiou]y$/.test(word) ? `${word.slice(0, -1)}ies` : `${word}s`}`;

/** ` (note)`, or nothing for an empty note. */
export const note = (s: string): string => (s ? ` (${esc(s)})` : '');
