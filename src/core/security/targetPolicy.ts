/**
 * What the operator allows beyond the public-internet rule of the URL guard: plain http,
 * which ports, and which private networks or internal names are nevertheless reachable.
 * Pure and synchronous, like addressPolicy.ts; urlGuard.ts applies it at save time and at
 * send time alike.
 */
import ipaddr from 'ipaddr.js';
import { normaliseHostname } from './addressPolicy.js';

export interface PortRange {
  from: number;
  to: number;
}

export interface TargetRules {
  /** Whether `http://` targets are accepted (off by default in production). */
  allowHttp: boolean;
  /** Ports a target may use; null = any (development, unless TARGET_PORTS is set). */
  ports: readonly PortRange[] | null;
  /** Addresses that are private yet allowed, as CIDRs; and internal host names allowed with whatever private address they resolve to. */
  allowed: { cidrs: ReadonlyArray<[ipaddr.IPv4 | ipaddr.IPv6, number]>; hosts: ReadonlySet<string> };
}

/**
 * Ports of databases, caches, queues and cluster control planes: a webhook POST to one of
 * them is an attempt to reach infrastructure, never a receiver. Refused even inside an
 * allowed range, unless TARGET_PORTS names the port on its own.
 */
export const SERVICE_PORTS: ReadonlyMap<number, string> = new Map([
  [1433, 'SQL Server'],
  [1521, 'Oracle'],
  [2181, 'ZooKeeper'],
  [2375, 'Docker API'],
  [2376, 'Docker API'],
  [2379, 'etcd'],
  [2380, 'etcd'],
  [3306, 'MySQL'],
  [5432, 'PostgreSQL'],
  [5672, 'AMQP'],
  [5984, 'CouchDB'],
  [6379, 'Redis'],
  [6443, 'Kubernetes API'],
  [7000, 'Cassandra'],
  [7001, 'Cassandra'],
  [8086, 'InfluxDB'],
  [8500, 'Consul'],
  [9042, 'Cassandra'],
  [9092, 'Kafka'],
  [9200, 'Elasticsearch'],
  [9300, 'Elasticsearch'],
  [10250, 'kubelet'],
  [11211, 'memcached'],
  [15672, 'RabbitMQ'],
  [27017, 'MongoDB'],
  [28015, 'RethinkDB'],
]);

export const DEFAULT_PORTS = '443,8443,1024-65535';

/** `443,8443,1024-65535` → ranges; throws on anything else. */
export function parsePorts(text: string): PortRange[] {
  return text.split(',').map((part) => {
    const m = /^\s*(\d{1,5})(?:\s*-\s*(\d{1,5}))?\s*$/.exec(part);
    const from = Number(m?.[1]);
    const to = m?.[2] === undefined ? from : Number(m[2]);
    if (!m || from < 1 || to > 65535 || from > to) throw new Error(`not a port or a port range: ${part.trim()}`);
    return { from, to };
  });
}

/** The refusal of a port in words, or null when it is allowed. */
export function portRefusal(port: number, rules: TargetRules): string | null {
  if (rules.ports === null) return null;
  const listed = rules.ports.some((r) => r.from <= port && port <= r.to);
  const named = rules.ports.some((r) => r.from === port && r.to === port);
  const service = SERVICE_PORTS.get(port);
  if (listed && (!service || named)) return null;
  const allowed = rules.ports.map((r) => (r.from === r.to ? `${r.from}` : `${r.from}-${r.to}`)).join(', ');
  return service && listed
    ? `port ${port} is the ${service} port, which webhooks may not target`
    : `port ${port} is not allowed (allowed: ${allowed}, except database and infrastructure ports)`;
}

/** `10.1.2.0/24,hooks.internal` → CIDRs (a bare address is its own /32 or /128) and host names. */
export function parseAllowedTargets(text: string): TargetRules['allowed'] {
  const cidrs: Array<[ipaddr.IPv4 | ipaddr.IPv6, number]> = [];
  const hosts = new Set<string>();
  for (const raw of text.split(',').map((t) => t.trim()).filter(Boolean)) {
    if (raw.includes('/')) cidrs.push(ipaddr.parseCIDR(raw));
    else if (ipaddr.isValid(raw)) {
      const addr = ipaddr.parse(raw);
      cidrs.push([addr, addr.kind() === 'ipv4' ? 32 : 128]);
    } else if (/^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)*[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.?$/i.test(raw)) hosts.add(normaliseHostname(raw));
    else throw new Error(`not a CIDR, an address or a host name: ${raw}`);
  }
  return { cidrs, hosts };
}

/**
 * Ranges no setting opens, neither an allow-list nor ALLOW_PRIVATE_TARGETS: metadata services
 * answer credentials, and 0.0.0.0 is this host on every port.
 */
const NEVER = new Set(['cloudMetadata', 'unspecified', 'notAnIpAddress']);

export const neverAllowed = (range: string): boolean => NEVER.has(range);

/**
 * Whether a refused address is nevertheless allowed: it lies in an allowed CIDR, or the host
 * name it was resolved from is allowed; never for metadata or unspecified addresses.
 */
export function allowedPrivate(address: string, range: string, hostname: string | null, rules: TargetRules): boolean {
  if (neverAllowed(range)) return false;
  if (hostname !== null && rules.allowed.hosts.has(normaliseHostname(hostname))) return true;
  let addr: ipaddr.IPv4 | ipaddr.IPv6;
  try {
    addr = ipaddr.process(address.replace(/%.*$/, ''));
  } catch {
    return false;
  }
  return rules.allowed.cidrs.some(([net, bits]) => net.kind() === addr.kind() && addr.match(net, bits));
}

/** Development's rules: http and any port, nothing private allowed beyond ALLOW_PRIVATE_TARGETS. */
export const OPEN_RULES: TargetRules = { allowHttp: true, ports: null, allowed: { cidrs: [], hosts: new Set() } };
