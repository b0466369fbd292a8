import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildPayload, parseEventData, renderBody } from '../src/core/events/index.js';
import type { SubmissionData } from '../src/core/catalogue/events/submission.js';
import { checkDataLimits, depthOf } from '../src/core/security/dataLimits.js';
import { SECRET_SHAPES } from '../src/core/security/secrets.js';
import { allowedPrivate, parseAllowedTargets, parsePorts, portRefusal, SERVICE_PORTS, DEFAULT_PORTS } from '../src/core/security/targetPolicy.js';
import { classifyAddress } from '../src/core/security/addressPolicy.js';
import { createVault, newKey, parseKey } from '../src/core/security/vault.js';
import { displayName, findHiddenCharacter } from '../src/core/text.js';
import { createRedactor } from '../src/logSafety.js';
import { seedAccount, startTestGateway, type TestGateway } from './helpers/gateway.js';

/**
 * Properties of the validators and payload builders, checked on generated inputs
 * (fast-check): what they accept and refuse, and that what they accept comes out unchanged.
 */

/** Characters a name may hold: letters and digits of several scripts, punctuation, spaces, emoji. */
const visibleChar = fc.oneof(
  fc.constantFrom(...'abcXYZ019 -_.,:;!?@#&()[]/\'"'.split('')),
  fc.constantFrom('é', 'ß', 'Ж', 'ع', 'ש', '中', 'ひ', '한', 'ก', 'ह', '€', '©', '😀', '🚀', '👍🏽'),
);
const visibleText = fc.array(visibleChar, { minLength: 0, maxLength: 30 }).map((cs) => cs.join(''));

/** One refused character: controls, C1, bidi, zero-width, separators, BOM, lone surrogates, noncharacters. */
const refusedChar = fc.oneof(
  fc.integer({ min: 0, max: 0x1f }),
  fc.integer({ min: 0x7f, max: 0x9f }),
  fc.constantFrom(0x061c, 0x200b, 0x200e, 0x200f, 0x2028, 0x2029, 0x202a, 0x202b, 0x202c, 0x202d, 0x202e, 0x2060, 0x2066, 0x2067, 0x2068, 0x2069, 0xfeff, 0x00ad, 0xfffe, 0xffff, 0xfdd0),
  fc.integer({ min: 0xd800, max: 0xdfff }),
).map((cp) => String.fromCharCode(cp));

describe('the text rule of names, labels and identifiers', () => {
  it('accepts every visible text', () => {
    fc.assert(fc.property(visibleText, (t) => findHiddenCharacter(t) === null));
  });

  it('refuses any text with one refused character, naming the character and its position', () => {
    fc.assert(
      fc.property(visibleText, visibleText, refusedChar, (before, after, bad) => {
        const found = findHiddenCharacter(`${before}${bad}${after}`);
        expect(found).toMatchObject({ codePoint: `U+${bad.charCodeAt(0).toString(16).toUpperCase().padStart(4, '0')}`, position: [...before].length + 1 });
      }),
    );
  });

  it('joiners are allowed only inside a word of a non-Latin script or an emoji sequence', () => {
    expect(findHiddenCharacter('می\u200Cخواهم')).toBeNull();
    expect(findHiddenCharacter('👩\u200D💻')).toBeNull();
    expect(findHiddenCharacter('क्\u200Dष')).toBeNull();
    for (const t of ['pay\u200Dpal', '\u200Dstart', 'end\u200C', 'a \u200D b', 'x\u200Cy']) expect(findHiddenCharacter(t)).not.toBeNull();
  });

  it('a name is accepted exactly when it is visible, not blank and short enough, and comes out trimmed', () => {
    const schema = displayName(20);
    fc.assert(
      fc.property(fc.oneof(visibleText, fc.tuple(visibleText, refusedChar, visibleText).map(([a, b, c]) => a + b + c)), (t) => {
        const r = schema.safeParse(t);
        const ok = findHiddenCharacter(t) === null && t.trim().length > 0 && t.trim().length <= 20;
        expect(r.success).toBe(ok);
        if (r.success) expect(r.data).toBe(t.trim());
      }),
    );
  });

  describe('in PostgreSQL', () => {
    let gw: TestGateway;
    let accountId: string;
    beforeAll(async () => {
      gw = await startTestGateway();
      accountId = (await seedAccount(gw.core)).accountId;
    });
    afterAll(() => gw.close());

    it('every accepted device name is stored and read back exactly (no character replaced)', async () => {
      await fc.assert(
        fc.asyncProperty(visibleText.filter((t) => t.trim().length > 0 && t.trim().length <= 100), async (name) => {
          const device = await gw.core.devices.register(accountId, { channel: 'whatsapp', name, identifier: '6281234567890', inboundHandler: 'webhook' });
          expect((await gw.core.devices.get(accountId, device.id)).name).toBe(name.trim());
        }),
        { numRuns: 40 },
      );
    });
  });
});

describe('event data limits', () => {
  const limits = { maxBytes: 4096, maxDepth: 8 };
  const reference = (v: unknown): number => (v === null || typeof v !== 'object' ? 0 : 1 + Math.max(0, ...Object.values(v).map(reference)));

  it('depth is measured as a recursive reader would, and a value within both limits passes', () => {
    fc.assert(
      fc.property(fc.jsonValue({ maxDepth: 12 }), (v) => {
        expect(depthOf(v)).toBe(reference(v));
        const bytes = Buffer.byteLength(JSON.stringify(v));
        const check = () => checkDataLimits('data', v, limits);
        if (reference(v) > limits.maxDepth) expect(check).toThrow(expect.objectContaining({ code: 'PAYLOAD_TOO_DEEP', field: 'data' }));
        else if (bytes > limits.maxBytes) expect(check).toThrow(expect.objectContaining({ code: 'PAYLOAD_TOO_LARGE', field: 'data' }));
        else expect(check).not.toThrow();
      }),
    );
  });

  it('any depth, however extreme, is refused with a typed error and never overflows the stack', () => {
    fc.assert(
      fc.property(fc.integer({ min: 9, max: 150_000 }), fc.boolean(), (depth, arrays) => {
        let v: unknown = 'leaf';
        for (let i = 0; i < depth; i++) v = arrays ? [v] : { a: v };
        expect(() => checkDataLimits('data.metadata', v, limits)).toThrow(expect.objectContaining({ code: 'PAYLOAD_TOO_DEEP', field: 'data.metadata' }));
      }),
      { numRuns: 20 },
    );
  });
});

describe('the URL policy', () => {
  const rules = { allowHttp: false, ports: parsePorts(DEFAULT_PORTS), allowed: parseAllowedTargets('10.1.2.0/24,hooks.internal') };

  it('a port is allowed exactly when it is 443, 8443 or from 1024, and not a database or infrastructure port', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 65535 }), (port) => {
        const expected = (port === 443 || port === 8443 || port >= 1024) && !SERVICE_PORTS.has(port);
        expect(portRefusal(port, rules) === null).toBe(expected);
      }),
    );
  });

  it('a private IPv4 address is allowed exactly when it lies in an allowed CIDR', () => {
    fc.assert(
      fc.property(fc.ipV4(), (ip) => {
        const verdict = classifyAddress(ip);
        if (verdict.allowed) return;
        expect(allowedPrivate(ip, verdict.range, null, rules)).toBe(ip.startsWith('10.1.2.'));
      }),
    );
  });

  it('a listed host name allows any private address it resolves to, except metadata and unspecified ones', () => {
    fc.assert(
      fc.property(fc.ipV4(), (ip) => {
        const verdict = classifyAddress(ip);
        if (verdict.allowed) return;
        expect(allowedPrivate(ip, verdict.range, 'HOOKS.internal.', rules)).toBe(!['cloudMetadata', 'unspecified'].includes(verdict.range));
      }),
    );
  });
});

describe('secrets', () => {
  it('a sealed value opens to itself, in its column only', () => {
    const vault = createVault({ current: parseKey(newKey()) });
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme', maxLength: 200 }), fc.constantFrom('endpoint.secret', 'endpoint.signing_key'), (plain, purpose) => {
        const sealed = vault.seal(plain, purpose);
        expect(sealed.startsWith(`enc:v1:${vault.keyId}:`)).toBe(true);
        expect(vault.open(sealed, purpose)).toBe(plain);
      }),
    );
  });

  it('the logger takes out anything shaped like a signing key, an API key or a bot token, and the known values', () => {
    const b64 = fc.string({ unit: fc.constantFrom(...'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/'.split('')), minLength: 32, maxLength: 44 });
    const b64url = fc.string({ unit: fc.constantFrom(...'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-'.split('')), minLength: 35, maxLength: 43 });
    const secret = fc.oneof(b64.map((s) => `whsec_${s}`), b64url.map((s) => `kir_${s}`), fc.tuple(fc.integer({ min: 10_000, max: 9_999_999_999 }), b64url).map(([n, s]) => `${n}:${s}`));
    const known = 'platform-key-"with\\quotes"-0123';
    const redact = createRedactor([known]);
    fc.assert(
      fc.property(fc.string({ maxLength: 40 }), secret, fc.string({ maxLength: 40 }), (before, s, after) => {
        const line = JSON.stringify({ msg: `${before} ${s} ${after}`, known });
        const out = redact(line);
        expect(out).not.toContain(s);
        expect(out).not.toContain(JSON.stringify(known).slice(1, -1));
        for (const shape of SECRET_SHAPES) expect(out.replace(shape, '')).toBe(out);
      }),
    );
  });

  it('a bot token is taken out of a Bot API URL, but an id that ends in digits before a colon is left whole (a subscription\'s request id)', () => {
    const redact = createRedactor([]);
    const token = `7012345678:${'A'.repeat(35)}`;
    expect(redact(`POST https://api.telegram.org/bot${token}/sendMessage`)).toBe('POST https://api.telegram.org/bot[redacted]/sendMessage');
    fc.assert(
      fc.property(fc.uuid(), fc.integer({ min: 10_000, max: 999_999_999 }), fc.uuid(), (request, digits, subscription) => {
        const reqId = `${request.slice(0, -9)}${String(digits).padStart(9, '0')}:${subscription}`;
        expect(redact(JSON.stringify({ reqId }))).toBe(JSON.stringify({ reqId }));
      }),
    );
  });
});

describe('payload builders', () => {
  const text = fc.string({ minLength: 1, maxLength: 20 });
  const unix = fc.integer({ min: 0, max: 99_999_999_999 });
  const answer = fc.oneof(
    fc.constant(null),
    text.map((t) => ({ type: 'text', text: t })),
    fc.tuple(fc.constantFrom('image', 'video', 'audio', 'file'), fc.webUrl({ validSchemes: ['https'] }), text).map(([type, url, filename]) => ({ type, file: { url, filename, filetype: type } })),
  );
  const submission = fc
    .record({ id: fc.integer({ min: 1, max: 1_000_000 }), name: text, sender: text, answers: fc.array(fc.record({ question: text, answer }), { maxLength: 5 }), started: unix, span: fc.integer({ min: 0, max: 86_400 }) })
    .filter((s) => s.started + s.span <= 99_999_999_999)
    .map((s) => ({ submission: { id: s.id, name: s.name }, sender: s.sender, answers: s.answers, started_at: s.started, completed_at: s.started + s.span }));

  it('a valid submission comes out in the reference key order, skipped answers as empty text, and the body adds timestamp and production last', () => {
    fc.assert(
      fc.property(submission, fc.constantFrom('whatsapp', 'telegram', 'waba') as fc.Arbitrary<'whatsapp' | 'telegram' | 'waba'>, unix, fc.boolean(), (data, channel, ts, production) => {
        const parsed = parseEventData('submission', channel, data) as SubmissionData;
        const payload = buildPayload('submission', { token: 'dev_x', channel }, parsed);
        expect(Object.keys(payload)).toEqual(['event', 'submission', 'device', 'sender', 'channel', 'answers', 'started_at', 'completed_at']);
        expect(parsed.answers.map((a) => a.answer)).toEqual(data.answers.map((a) => a.answer ?? { type: 'text', text: '' }));
        const body = JSON.parse(renderBody(JSON.stringify(payload), ts, production)) as Record<string, unknown>;
        expect(body).toEqual({ ...payload, timestamp: ts, production });
        expect(Object.keys(body).slice(-2)).toEqual(['timestamp', 'production']);
      }),
    );
  });

  it('completed before started, or milliseconds instead of seconds, is refused naming the field', () => {
    fc.assert(
      fc.property(submission.filter((s) => s.completed_at > s.started_at), (data) => {
        expect(() => parseEventData('submission', 'whatsapp', { ...data, completed_at: data.started_at - 1 })).toThrow(expect.objectContaining({ field: 'data.completed_at' }));
        expect(() => parseEventData('submission', 'whatsapp', { ...data, started_at: 100_000_000_000 })).toThrow(expect.objectContaining({ field: 'data.started_at' }));
      }),
    );
  });
});
