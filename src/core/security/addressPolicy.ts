/**
 * Which addresses and host names a webhook may be sent to. Pure and synchronous, so the
 * same judgement serves save-time checks (urlGuard.checkTarget) and connect-time checks
 * (urlGuard.guardedLookup) without drifting apart.
 */
import ipaddr from 'ipaddr.js';

export type AddressVerdict = { allowed: true } | { allowed: false; range: string };

/*
 * Metadata endpoints are listed even though their ranges are already refused: naming them
 * in the refusal tells an operator this was an attempt at cloud credentials, not a typo.
 */
const CLOUD_METADATA = new Set(['169.254.169.254', 'fd00:ec2::254', '100.100.100.200']);

/*
 * ipaddr.js calls ::/96 (deprecated IPv4-compatible, e.g. ::7f00:1) `unicast`; some stacks
 * and tunnels still route those to the embedded IPv4 address, so they are refused outright.
 */
const IPV4_COMPATIBLE = ipaddr.IPv6.parseCIDR('::/96');

/**
 * Judges one IP address. Anything that is not plain global `unicast` in ipaddr.js's view is
 * refused (deny by default: ranges ipaddr.js adds in future are refused without a code
 * change). IPv4-mapped IPv6 (::ffff:127.0.0.1, ::ffff:7f00:1) is judged as its IPv4, since
 * that is where the kernel actually connects. A string that is not an IP at all is refused
 * rather than thrown on, so a misbehaving resolver can never open the gate.
 */
export function classifyAddress(ip: string): AddressVerdict {
  let addr: ipaddr.IPv4 | ipaddr.IPv6;
  try {
    addr = ipaddr.process(ip);
  } catch {
    return { allowed: false, range: 'notAnIpAddress' };
  }
  // process() already unwraps mapped forms; this guards against a future change there.
  if (addr instanceof ipaddr.IPv6 && addr.isIPv4MappedAddress()) {
    return classifyAddress(addr.toIPv4Address().toString());
  }
  // Zone ids (fe80::1%eth0) must not defeat the metadata lookup.
  const canonical = addr.toString().replace(/%.*$/, '');
  if (CLOUD_METADATA.has(canonical)) return { allowed: false, range: 'cloudMetadata' };
  const range = addr.range();
  if (range !== 'unicast') return { allowed: false, range };
  if (addr instanceof ipaddr.IPv6 && addr.match(IPV4_COMPATIBLE)) {
    return { allowed: false, range: 'ipv4Compatible' };
  }
  return { allowed: true };
}

const BLOCKED_NAMES = new Set(['localhost', 'metadata', 'metadata.google.internal']);
// .internal is where cloud providers put metadata and private DNS; .local is mDNS on the LAN.
const BLOCKED_SUFFIXES = ['.localhost', '.internal', '.local'];

/** Lower-cases and drops trailing dots: `LOCALHOST.` is the same host as `localhost`. */
export function normaliseHostname(hostname: string): string {
  return hostname.toLowerCase().replace(/\.+$/, '');
}

/**
 * Names that point inside the gateway's own network whatever DNS says, refused before any
 * lookup so a resolver that maps them to something public cannot be used to sneak past.
 */
export function isBlockedHostname(hostname: string): boolean {
  const name = normaliseHostname(hostname);
  return BLOCKED_NAMES.has(name) || BLOCKED_SUFFIXES.some((s) => name.endsWith(s));
}
