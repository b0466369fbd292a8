/**
 * SSRF guard for outgoing webhook POSTs. A customer-supplied URL must not let the gateway
 * reach its own network (loopback, RFC 1918, cloud metadata, ...). Two layers:
 *
 *  1. Save time: `parseTargetUrl` + `checkTarget` give the user an immediate, explicit
 *     refusal. This alone is NOT a defence: DNS may answer differently at send time
 *     (rebinding), so it is advice, not enforcement.
 *  2. Send time: `guardedLookup` is the socket's only DNS lookup, and answers with exactly the
 *     addresses it checked, so the address judged is the address connected to.
 *
 * Node never calls `lookup` for IP-literal hosts, so layer 2 cannot see them: the sender must
 * call `checkLiteralHost(url, policy)` (or `checkTarget`) before every send as well.
 */
import type { LookupAddress, LookupOptions } from 'node:dns';
import { lookup as dnsLookupAsync } from 'node:dns/promises';
import { isIP, isIPv6, type LookupFunction } from 'node:net';
import { CoreError } from '../errors.js';
import { classifyAddress, isBlockedHostname, normaliseHostname } from './addressPolicy.js';
import { allowedPrivate, neverAllowed, OPEN_RULES, portRefusal, type TargetRules } from './targetPolicy.js';

export { classifyAddress, isBlockedHostname, type AddressVerdict } from './addressPolicy.js';

export type Resolver = (hostname: string) => Promise<Array<{ address: string; family: 4 | 6 }>>;

/** Goes through getaddrinfo like Node's own connect would, so /etc/hosts is honoured. */
export const systemResolver: Resolver = async (hostname) => {
  const found = await dnsLookupAsync(hostname, { all: true, verbatim: true });
  return found.map((a) => ({ address: a.address, family: isIPv6(a.address) ? 6 : 4 }));
};

export interface TargetPolicy {
  /**
   * Development: every address and name is allowed (the scheme and port rules still apply), but
   * metadata and unspecified addresses (targetPolicy.ts `neverAllowed`).
   */
  allowPrivate: boolean;
  resolve: Resolver;
  /** Scheme, ports and the private allow-list (targetPolicy.ts); http and the default ports when absent. */
  rules?: TargetRules;
}

export const MAX_URL_LENGTH = 2048;
const EXAMPLE = 'e.g. https://api.yoursite.com/webhooks/kirisan';
const FIX =
  'Webhook targets must be reachable on the public internet; an operator may allow a private network or an internal name in ALLOWED_PRIVATE_TARGETS (ALLOW_PRIVATE_TARGETS=true is for development only).';

const invalidUrl = (message: string): CoreError => new CoreError('INVALID_URL', message, 'url');
const refused = (message: string): CoreError =>
  new CoreError('PRIVATE_TARGET_REFUSED', `${message} ${FIX}`, 'url');

/**
 * Validates a user-typed webhook URL and returns it normalised. The fragment is stripped, not
 * refused: it is never sent over the wire, so it is harmless, and dropping it keeps stored
 * URLs canonical. Messages never echo the input, because it may carry a password.
 */
export function parseTargetUrl(raw: string): URL {
  const input = raw.trim();
  if (input === '') {
    throw invalidUrl(`The webhook URL is empty. Use an http:// or https:// address, ${EXAMPLE}.`);
  }
  if (input.length > MAX_URL_LENGTH) {
    throw invalidUrl(
      `The webhook URL is ${input.length} characters long; the limit is ${MAX_URL_LENGTH}. Use a shorter address.`,
    );
  }
  let url: URL;
  try {
    url = new URL(input);
  } catch {
    throw invalidUrl(`That is not a valid URL. Use a full http:// or https:// address, ${EXAMPLE}.`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw invalidUrl(
      `Webhook URLs must use http or https, not "${url.protocol.slice(0, -1)}". Use an http:// or https:// address, ${EXAMPLE}.`,
    );
  }
  if (url.username !== '' || url.password !== '') {
    // Credentials in URLs leak into logs and attempt records; the signature authenticates us.
    throw invalidUrl(
      'The webhook URL must not contain a user name or password (user:pass@). Remove them; the receiver should verify the webhook signature instead.',
    );
  }
  if (url.hostname === '') {
    throw invalidUrl(`The webhook URL has no host. Use a full address, ${EXAMPLE}.`);
  }
  url.hash = '';
  // Percent-encoding during normalisation can push a URL over the limit after the first check.
  if (url.href.length > MAX_URL_LENGTH) {
    throw invalidUrl(
      `The webhook URL is ${url.href.length} characters long once encoded; the limit is ${MAX_URL_LENGTH}. Use a shorter address.`,
    );
  }
  return url;
}

/**
 * The IP a URL's host denotes, if it is a literal. WHATWG URL parsing has already rewritten
 * every odd IPv4 spelling (2130706433, 0x7f.0.0.1, 0177.0.0.1, 127.1) into dotted decimal,
 * so only the canonical forms need recognising here.
 */
function literalAddress(hostname: string): string | undefined {
  if (hostname.startsWith('[') && hostname.endsWith(']')) return hostname.slice(1, -1);
  return isIP(hostname) === 4 ? hostname : undefined;
}

const rulesOf = (policy: TargetPolicy): TargetRules => policy.rules ?? OPEN_RULES;

/** The refusal for a host that can be judged without DNS, if any. */
function hostRefusal(hostname: string, rules: TargetRules): CoreError | undefined {
  const literal = literalAddress(hostname);
  if (literal !== undefined) {
    const verdict = classifyAddress(literal);
    return verdict.allowed || allowedPrivate(literal, verdict.range, null, rules)
      ? undefined
      : refused(`The webhook target ${literal} is in the ${verdict.range} range.`);
  }
  if (isBlockedHostname(hostname) && !rules.allowed.hosts.has(normaliseHostname(hostname))) {
    return refused(`The webhook target "${normaliseHostname(hostname)}" is a local or internal host name.`);
  }
  return undefined;
}

/** With ALLOW_PRIVATE_TARGETS: the refusal of an address that no setting opens, if it is one. */
function neverRefusal(address: string, hostname: string | null): CoreError | undefined {
  const verdict = classifyAddress(address);
  if (verdict.allowed || !neverAllowed(verdict.range)) return undefined;
  const what = hostname === null ? `The webhook target ${address}` : `The webhook target "${hostname}" resolves to ${address}, which`;
  return new CoreError(
    'PRIVATE_TARGET_REFUSED',
    `${what} is in the ${verdict.range} range: cloud metadata and unspecified (0.0.0.0, ::) addresses are never webhook targets, whatever ALLOW_PRIVATE_TARGETS or ALLOWED_PRIVATE_TARGETS say. Use the receiver's own address, e.g. http://127.0.0.1:3000/hook.`,
    'url',
  );
}

/** Refusal for the first refused address among those a name resolved to, if any. */
function resolvedRefusal(hostname: string, addresses: readonly string[], rules: TargetRules): CoreError | undefined {
  for (const address of addresses) {
    const verdict = classifyAddress(address);
    if (!verdict.allowed && !allowedPrivate(address, verdict.range, hostname, rules)) {
      return refused(
        `The webhook target "${hostname}" resolves to ${address}, which is in the ${verdict.range} range.`,
      );
    }
  }
  return undefined;
}

/** Whether `http://` targets are accepted (ALLOW_HTTP_TARGETS, on by default outside production). */
export function allowsPlainHttp(policy: TargetPolicy): boolean {
  return rulesOf(policy).allowHttp;
}

/**
 * The scheme and port rules (production allows https only, and ports other than those of
 * databases and infrastructure), at save time and before each send: a rule tightened after a
 * webhook was saved applies to its next delivery.
 */
export function checkSchemeAndPort(url: URL, policy: TargetPolicy): void {
  const rules = rulesOf(policy);
  if (url.protocol === 'http:' && !allowsPlainHttp(policy)) {
    throw invalidUrl(`Webhook URLs must use https:// here (plain http is not allowed). Use an https:// address, ${EXAMPLE}.`);
  }
  const port = url.port === '' ? (url.protocol === 'https:' ? 443 : 80) : Number(url.port);
  const refusal = portRefusal(port, rules);
  if (refusal) throw invalidUrl(`The webhook URL's ${refusal}. Use port 443 (the https default), 8443 or a port from 1024.`);
}

/**
 * Synchronous part of the check: scheme, port, blocked names and IP literals. The sender must
 * call this before each send, because Node skips `lookup` (and so `guardedLookup`) for IP
 * literals.
 */
export function checkLiteralHost(url: URL, policy: TargetPolicy): void {
  checkSchemeAndPort(url, policy);
  const literal = literalAddress(url.hostname);
  const error = !policy.allowPrivate ? hostRefusal(url.hostname, rulesOf(policy)) : literal === undefined ? undefined : neverRefusal(literal, null);
  if (error) throw error;
}

export type TargetInspection =
  | { status: 'skipped' }
  | { status: 'allowed'; addresses: string[] }
  | { status: 'refused'; error: CoreError }
  /** DNS gave no answer; not a refusal, since the receiver may simply not exist yet. */
  | { status: 'unresolved'; code: string; message: string };

/** Full verdict for a target, for callers that want to warn about unresolvable hosts. */
export async function inspectTarget(url: URL, policy: TargetPolicy): Promise<TargetInspection> {
  try {
    checkSchemeAndPort(url, policy);
  } catch (e) {
    return { status: 'refused', error: e as CoreError };
  }
  const literal = literalAddress(url.hostname);
  if (policy.allowPrivate) {
    // A name is judged when it is resolved, at send time (guardedLookup).
    const never = literal === undefined ? undefined : neverRefusal(literal, null);
    return never ? { status: 'refused', error: never } : { status: 'skipped' };
  }
  const hostError = hostRefusal(url.hostname, rulesOf(policy));
  if (hostError) return { status: 'refused', error: hostError };
  if (literal !== undefined) return { status: 'allowed', addresses: [literal] };

  let addresses: string[];
  try {
    addresses = (await policy.resolve(url.hostname)).map((a) => a.address);
  } catch (e) {
    const code = errorCode(e) ?? 'ENOTFOUND';
    return { status: 'unresolved', code, message: e instanceof Error ? e.message : String(e) };
  }
  if (addresses.length === 0) {
    return { status: 'unresolved', code: 'ENODATA', message: `no addresses for ${url.hostname}` };
  }
  const error = resolvedRefusal(url.hostname, addresses, rulesOf(policy));
  return error ? { status: 'refused', error } : { status: 'allowed', addresses };
}

/**
 * Save-time check: throws PRIVATE_TARGET_REFUSED when the host is, or resolves to, a refused
 * address (ANY refused address suffices: the OS may pick any of them). DNS failure passes.
 */
export async function checkTarget(url: URL, policy: TargetPolicy): Promise<void> {
  const result = await inspectTarget(url, policy);
  if (result.status === 'refused') throw result.error;
}

function errorCode(e: unknown): string | undefined {
  if (typeof e === 'object' && e !== null && 'code' in e && typeof e.code === 'string') return e.code;
  return undefined;
}

function wantedFamily(family: LookupOptions['family']): 0 | 4 | 6 {
  if (family === 4 || family === 'IPv4') return 4;
  if (family === 6 || family === 'IPv6') return 6;
  return 0;
}

function dnsError(code: string, hostname: string): NodeJS.ErrnoException {
  const error: NodeJS.ErrnoException = new Error(`getaddrinfo ${code} ${hostname}`);
  error.code = code;
  error.syscall = 'getaddrinfo';
  return error;
}

/** Resolves and judges; rejects with the error to hand to the socket. */
async function guardedAnswer(
  hostname: string,
  options: LookupOptions,
  policy: TargetPolicy,
): Promise<LookupAddress[]> {
  const bare = hostname.replace(/^\[(.*)\]$/, '$1');
  const family = isIP(bare);
  let found: LookupAddress[];
  if (family !== 0) {
    found = [{ address: bare, family }];
  } else {
    if (!policy.allowPrivate && isBlockedHostname(bare) && !rulesOf(policy).allowed.hosts.has(normaliseHostname(bare))) {
      throw refused(`The webhook target "${normaliseHostname(bare)}" is a local or internal host name.`);
    }
    found = await policy.resolve(bare);
  }
  for (const a of found) {
    const error = policy.allowPrivate ? neverRefusal(a.address, family === 0 ? bare : null) : resolvedRefusal(bare, [a.address], rulesOf(policy));
    if (error) throw error;
  }
  // Filter only after judging everything, so a refused address cannot hide behind a family hint.
  const want = wantedFamily(options.family);
  const usable = want === 0 ? found : found.filter((a) => a.family === want);
  if (usable.length === 0) throw dnsError('ENOTFOUND', bare);
  return usable;
}

/**
 * A `net` lookup for `new undici.Agent({ connect: { lookup } })`. It is the socket's only DNS
 * query and answers with the very addresses it judged, which is what defeats DNS rebinding.
 * A refusal reaches the socket as a CoreError with code PRIVATE_TARGET_REFUSED (undici may
 * surface it directly or as `cause`).
 */
export function guardedLookup(policy: TargetPolicy): LookupFunction {
  return (hostname, options, callback) => {
    guardedAnswer(hostname, options, policy).then(
      (addresses) => {
        // Deferred out of the promise chain so an exception thrown by the callback surfaces
        // as an ordinary uncaught error instead of re-entering the rejection path below.
        process.nextTick(() => {
          if (options.all === true) {
            callback(null, addresses);
          } else {
            const first = addresses[0];
            // guardedAnswer never returns an empty list; the fallback only satisfies the types.
            if (first) callback(null, first.address, first.family);
            else callback(dnsError('ENOTFOUND', hostname), '');
          }
        });
      },
      (e: unknown) => {
        const error: NodeJS.ErrnoException =
          e instanceof Error ? e : new Error(String(e), { cause: e });
        process.nextTick(() => callback(error, options.all === true ? [] : ''));
      },
    );
  };
}
