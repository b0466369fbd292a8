import { randomUUID } from 'node:crypto';
import type { EntityManager } from '@mikro-orm/postgresql';
import { announceEndpointStatus } from '../../db/sql/endpointStatus.js';
import { lockWebhookGroups } from '../../db/sql/webhookGroups.js';
import { inTransaction, type Queryable } from '../../db/transaction.js';
import { Account, Device, Endpoint } from '../../db/entities/index.js';
import { catalogue } from '../catalogue/index.js';
import type { CoreContext } from '../context.js';
import { CoreError, invalid, notFound } from '../errors.js';
import { secretHint, newSigningKey } from '../security/secrets.js';
import type { Channel, DisabledReason, EndpointStatus, SubscribedEvent } from '../terms.js';
import { uuidOrNil } from './accounts.js';
import { deviceView, type DeviceView } from './devices.js';
import { inheritedSettings } from './endpointSettings.js';
import { eventsForChannel, parseWebhookInput, parseWebhookPatch, refuseNewLegacyNames, type WebhookInput, type WebhookPatch } from './webhookInput.js';

export interface EndpointView {
  id: string;
  webhookId: string;
  batchId: string;
  channel: Channel;
  name: string;
  url: string;
  secretHint: string | null;
  events: SubscribedEvent[];
  status: EndpointStatus;
  devices: DeviceView[];
  createdAt: Date;
  activatedAt: Date | null;
  /** Status disabled: why (gone, failing, manual) and since when; null otherwise. */
  disabledReason: DisabledReason | null;
  disabledAt: Date | null;
}

export interface SaveResult {
  webhookId: string;
  batchId: string;
  endpoints: EndpointView[];
  /** The Standard Webhooks key (`whsec_…`) of the webhook: shown on save, later on request. */
  signingKey: string;
}

/**
 * Save → test: one save writes one endpoint per channel of the chosen devices, all in a
 * new batch and all Pending test, in one transaction. A second save of a name + URL + secret
 * the account already has is refused (CONFLICT, naming the webhook): that group is one webhook,
 * and adding devices or events to it is an edit.
 */
export async function saveWebhooks(ctx: CoreContext, accountId: string, input: WebhookInput): Promise<SaveResult> {
  const parsed = await parseWebhookInput(ctx, input);
  refuseNewLegacyNames(parsed.events);
  return inTransaction(ctx.db, async ({ em: tx, sql }) => {
    const devices = await loadDevices(tx, accountId, parsed.deviceIds);
    const byChannel = groupByChannel(devices);
    const channels = [...byChannel.keys()];
    const plan = channels.map((channel) => ({ channel, events: eventsForChannel(channel, parsed.events, channels) }));
    await refuseDuplicateGroup({ em: tx, sql }, accountId, parsed, null);
    const webhookId = randomUUID();
    const batchId = randomUUID();
    const signingKey = newSigningKey();
    const endpoints = plan.map(({ channel, events }) =>
      newEndpoint(ctx, tx, { accountId, webhookId, batchId, signingKey, channel, events, group: parsed, devices: byChannel.get(channel) ?? [] }),
    );
    await tx.flush();
    const views = endpoints.map(endpointView);
    await announce(sql, accountId, views);
    return { webhookId, batchId, endpoints: views, signingKey };
  });
}

/**
 * Edits a webhook (every endpoint of it) as a patch: what the patch omits stays as stored,
 * the secret included. Endpoints whose URL, secret, devices or events really change go back
 * to Pending test in a new batch, together with endpoints the edit adds for a newly linked
 * channel; a channel with no device left loses its endpoint. A rename alone, or an edit that
 * sends back what is stored, keeps statuses.
 */
export async function updateWebhook(ctx: CoreContext, accountId: string, webhookId: string, patch: WebhookPatch): Promise<SaveResult> {
  const change = await parseWebhookPatch(ctx, patch);
  return inTransaction(ctx.db, async ({ em: tx, sql }) => {
    const existing = await loadWebhookEndpoints(tx, accountId, webhookId);
    const first = existing[0]!;
    const stored = [...new Set(existing.flatMap((e) => e.events))];
    const group: WebhookGroup = {
      name: change.name ?? first.name,
      url: change.url ?? first.url,
      secret: change.secret === undefined ? (first.secret ?? null) : change.secret,
    };
    const events = change.events ?? stored;
    refuseNewLegacyNames(events, stored);
    const before = new Map(existing.map((e) => [e.id, e.status]));
    const devices = await loadDevices(tx, accountId, change.deviceIds ?? [...new Set(existing.flatMap((e) => e.devices.getItems().map((d) => d.id)))]);
    const byChannel = groupByChannel(devices);
    const channels = [...byChannel.keys()];
    for (const channel of channels) eventsForChannel(channel, events, channels);
    if (group.name !== first.name || group.url !== first.url || group.secret !== (first.secret ?? null)) {
      await refuseDuplicateGroup({ em: tx, sql }, accountId, group, first.webhookId);
    }
    const batchId = randomUUID();
    const kept: Endpoint[] = [];
    for (const channel of channels) {
      const channelEvents = eventsForChannel(channel, events, channels);
      const wanted = byChannel.get(channel) ?? [];
      const current = existing.find((e) => e.channel === channel);
      if (current) {
        const changed = needsRetest(current, group, channelEvents, wanted);
        Object.assign(current, { ...group, events: channelEvents, updatedAt: ctx.now() });
        current.devices.set(wanted);
        // A Disabled endpoint stays Disabled: enabling it is a choice of its own (endpointStatus.ts).
        if (changed && current.status !== 'disabled') Object.assign(current, { status: 'pending_test', batchId, activatedAt: null });
        kept.push(current);
      } else {
        const created = newEndpoint(ctx, tx, { accountId, webhookId: first.webhookId, batchId, signingKey: first.signingKey, channel, events: channelEvents, group, devices: wanted });
        // A channel newly linked gets what the webhook asks of its POSTs, as its other endpoints have it.
        Object.assign(created, inheritedSettings(first));
        kept.push(created);
      }
    }
    const removed = existing.filter((e) => !kept.includes(e)).map(endpointView);
    for (const gone of existing.filter((e) => !kept.includes(e))) tx.remove(gone);
    await tx.flush();
    const result: SaveResult = { webhookId: first.webhookId, batchId, endpoints: kept.map(endpointView), signingKey: first.signingKey };
    await announce(sql, accountId, result.endpoints.filter((e) => before.get(e.id) !== e.status));
    await announce(sql, accountId, removed, 'deleted');
    return result;
  });
}

/** What makes a webhook one webhook: its name, URL and signing secret. */
interface WebhookGroup {
  name: string;
  url: string;
  secret: string | null;
}

async function refuseDuplicateGroup(t: { em: EntityManager; sql: Queryable }, accountId: string, g: WebhookGroup, except: string | null): Promise<void> {
  await lockWebhookGroups(t.sql, accountId);
  // Secrets are sealed at rest with a fresh IV each, so equal secrets differ in the table: the
  // endpoints with this name and URL are compared by their secrets as the ORM opens them.
  const sameNameAndUrl = await t.em.find(
    Endpoint,
    { account: accountId, name: g.name, url: g.url, ...(except ? { webhookId: { $ne: except } } : {}) },
    { fields: ['webhookId', 'name', 'secret'] },
  );
  const holder = sameNameAndUrl.find((e) => (e.secret ?? null) === g.secret);
  if (!holder) return;
  throw new CoreError(
    'CONFLICT',
    `name: the webhook "${holder.name}" (${holder.webhookId}) already has this name, URL and signing secret: edit it to add devices or events, or use another name`,
    'name',
    { reason: `the webhook "${holder.name}" already has this name, URL and signing secret: edit it to add devices or events, or use another name` },
  );
}

/** A new Pending test endpoint: one channel's devices of a webhook. */
function newEndpoint(
  ctx: CoreContext,
  tx: EntityManager,
  p: { accountId: string; webhookId: string; batchId: string; signingKey: string; channel: Channel; events: SubscribedEvent[]; group: WebhookGroup; devices: Device[] },
): Endpoint {
  const endpoint = tx.create(Endpoint, {
    account: tx.getReference(Account, p.accountId),
    webhookId: p.webhookId,
    batchId: p.batchId,
    channel: p.channel,
    name: p.group.name,
    url: p.group.url,
    secret: p.group.secret,
    signingKey: p.signingKey,
    events: p.events,
    status: 'pending_test',
    createdAt: ctx.now(),
    updatedAt: ctx.now(),
  });
  endpoint.devices.set(p.devices);
  return endpoint;
}

/** Removes the webhook's endpoints; their attempts stay in the log under the old name and URL. */
export async function deleteWebhook(ctx: CoreContext, accountId: string, webhookId: string): Promise<{ deletedEndpointIds: string[] }> {
  return inTransaction(ctx.db, async ({ em: tx, sql }) => {
    const endpoints = await loadWebhookEndpoints(tx, accountId, webhookId);
    const views = endpoints.map(endpointView);
    endpoints.forEach((e) => tx.remove(e));
    await tx.flush();
    await announce(sql, accountId, views, 'deleted');
    return { deletedEndpointIds: views.map((e) => e.id) };
  });
}

/** Status changes, for live subscribers in any process: sent in the transaction, heard on commit. */
export async function announce(
  sql: Queryable,
  accountId: string,
  endpoints: Array<Pick<EndpointView, 'id' | 'webhookId' | 'status'> & Partial<Pick<EndpointView, 'disabledReason' | 'disabledAt'>>>,
  status?: 'deleted',
): Promise<void> {
  await announceEndpointStatus(
    sql,
    endpoints.map((e) => ({
      accountId,
      endpointId: e.id,
      webhookId: e.webhookId,
      status: status ?? e.status,
      disabledReason: status ? null : (e.disabledReason ?? null),
      disabledAt: status ? null : (e.disabledAt?.toISOString() ?? null),
    })),
  );
}

export async function getWebhookEndpoints(ctx: CoreContext, accountId: string, webhookId: string): Promise<EndpointView[]> {
  const endpoints = await loadWebhookEndpoints(ctx.db.orm.em.fork(), accountId, webhookId);
  return endpoints.map(endpointView);
}

export async function getEndpoint(ctx: CoreContext, accountId: string, endpointId: string): Promise<EndpointView> {
  const endpoint = await ctx.db.orm.em.fork().findOne(Endpoint, { id: uuidOrNil(endpointId), account: accountId }, { populate: ['devices'] });
  if (!endpoint) throw notFound('endpoint', 'endpointId');
  return endpointView(endpoint);
}

/** The webhook's signing key, for a receiver that lost it. */
export async function getSigningKey(ctx: CoreContext, accountId: string, endpointOrWebhookId: string): Promise<string> {
  const id = uuidOrNil(endpointOrWebhookId);
  const endpoint = await ctx.db.orm.em.fork().findOne(Endpoint, { account: accountId, $or: [{ id }, { webhookId: id }] });
  if (!endpoint) throw notFound('webhook', 'id');
  return endpoint.signingKey;
}

export async function loadWebhookEndpoints(em: EntityManager, accountId: string, webhookId: string): Promise<Endpoint[]> {
  // A webhook is addressed by its own id or by the id of any of its endpoints.
  const id = uuidOrNil(webhookId);
  const first = await em.findOne(Endpoint, { account: accountId, $or: [{ webhookId: id }, { id }] });
  if (!first) throw notFound('webhook', 'id');
  return em.find(Endpoint, { account: accountId, webhookId: first.webhookId }, { populate: ['devices'], orderBy: { channel: 'asc' } });
}

async function loadDevices(em: EntityManager, accountId: string, ids: string[]): Promise<Device[]> {
  const devices = await em.find(Device, { id: { $in: ids.map(uuidOrNil) }, account: accountId });
  const missing = ids.find((id) => !devices.some((d) => d.id === uuidOrNil(id)));
  if (missing !== undefined) throw invalid('deviceIds', `device ${missing} was not found in this account`);
  return devices;
}

/** The chosen devices by channel, in the catalogue's order: one endpoint per channel. */
function groupByChannel(devices: Device[]): Map<Channel, Device[]> {
  const byChannel = new Map<Channel, Device[]>();
  for (const channel of catalogue.channelIds()) {
    const list = devices.filter((d) => d.channel === channel);
    if (list.length) byChannel.set(channel, list);
  }
  return byChannel;
}

function needsRetest(current: Endpoint, group: WebhookGroup, events: SubscribedEvent[], devices: Device[]): boolean {
  const sameSet = (a: string[], b: string[]) => a.length === b.length && a.every((x) => b.includes(x));
  return (
    current.url !== group.url ||
    (current.secret ?? null) !== group.secret ||
    !sameSet(current.events, events) ||
    !sameSet(current.devices.getItems().map((d) => d.id), devices.map((d) => d.id))
  );
}

export function endpointView(e: Endpoint): EndpointView {
  return {
    id: e.id,
    webhookId: e.webhookId,
    batchId: e.batchId,
    channel: e.channel,
    name: e.name,
    url: e.url,
    secretHint: secretHint(e.secret),
    events: [...e.events],
    status: e.status,
    devices: e.devices.isInitialized() ? e.devices.getItems().map(deviceView) : [],
    createdAt: e.createdAt,
    activatedAt: e.activatedAt ?? null,
    disabledReason: e.disabledReason ?? null,
    disabledAt: e.disabledAt ?? null,
  };
}
