import { randomBytes } from 'node:crypto';
import { z } from 'zod';
import { Account, Device } from '../../db/entities/index.js';
import type { CoreContext } from '../context.js';
import { CoreError, notFound } from '../errors.js';
import { catalogue } from '../catalogue/index.js';
import { INBOUND_HANDLERS, type Channel, type InboundHandler } from '../terms.js';
import { displayName, refuseHiddenCharacters } from '../text.js';
import { parseInput } from '../validate.js';
import { uuidOrNil } from './accounts.js';

export interface DeviceView {
  id: string;
  accountId: string;
  channel: Channel;
  token: string;
  name: string;
  identifier: string;
  inboundHandler: InboundHandler;
  /** "name + number or bot name", as the product labels devices. */
  label: string;
}

export interface RegisterDeviceInput {
  channel: Channel;
  name: string;
  identifier: string;
  inboundHandler: InboundHandler;
}

const name = displayName(100);
const inboundHandler = z.enum(INBOUND_HANDLERS, { message: `must be one of ${INBOUND_HANDLERS.join(', ')}` });

const registerSchema = z.object({
  channel: catalogue.channelSchema,
  name,
  identifier: z.string({ message: 'is required' }),
  inboundHandler,
});

/** Each channel has its own identifier rule (a phone number, a bot username). */
function parseIdentifier(channel: Channel, identifier: string): string {
  if (typeof identifier === 'string') refuseHiddenCharacters('identifier', identifier);
  return parseInput(catalogue.channel(channel).identifier.schema, identifier, 'identifier');
}

export async function registerDevice(ctx: CoreContext, accountId: string, input: RegisterDeviceInput): Promise<DeviceView> {
  const parsed = parseInput(registerSchema, input);
  const identifier = parseIdentifier(parsed.channel, parsed.identifier);
  const em = ctx.db.orm.em.fork();
  const account = await em.findOne(Account, { id: accountId });
  if (!account) throw new CoreError('NOT_FOUND', 'account not found', 'accountId');
  const device = em.create(Device, {
    account,
    channel: parsed.channel,
    token: newDeviceToken(),
    name: parsed.name,
    identifier,
    inboundHandler: parsed.inboundHandler,
    createdAt: ctx.now(),
  });
  await em.flush();
  return deviceView(device);
}

export interface UpdateDeviceInput {
  name?: string;
  identifier?: string;
  inboundHandler?: InboundHandler;
}

const updateSchema = z.object({
  name: name.optional(),
  identifier: z.string().optional(),
  inboundHandler: inboundHandler.optional(),
});

/** The channel and token of a device never change: payloads and headers depend on them. */
export async function updateDevice(ctx: CoreContext, accountId: string, deviceId: string, input: UpdateDeviceInput): Promise<DeviceView> {
  const parsed = parseInput(updateSchema, input);
  const em = ctx.db.orm.em.fork();
  const device = await em.findOne(Device, { id: uuidOrNil(deviceId), account: accountId });
  if (!device) throw notFound('device', 'id');
  if (parsed.identifier !== undefined) device.identifier = parseIdentifier(device.channel, parsed.identifier);
  if (parsed.name !== undefined) device.name = parsed.name;
  if (parsed.inboundHandler !== undefined) device.inboundHandler = parsed.inboundHandler;
  await em.flush();
  return deviceView(device);
}

export async function listDevices(ctx: CoreContext, accountId: string, filter: { channel?: Channel } = {}): Promise<DeviceView[]> {
  const rows = await ctx.db.orm.em.fork().find(
    Device,
    { account: accountId, ...(filter.channel ? { channel: filter.channel } : {}) },
    { orderBy: { channel: 'asc', name: 'asc', id: 'asc' } },
  );
  return rows.map(deviceView);
}

export async function getDevice(ctx: CoreContext, accountId: string, deviceId: string): Promise<DeviceView> {
  const device = await ctx.db.orm.em.fork().findOne(Device, { id: uuidOrNil(deviceId), account: accountId });
  if (!device) throw notFound('device', 'id');
  return deviceView(device);
}

export function deviceView(d: Device): DeviceView {
  return {
    id: d.id,
    accountId: d.account.id,
    channel: d.channel,
    token: d.token,
    name: d.name,
    identifier: d.identifier,
    inboundHandler: d.inboundHandler,
    label: deviceLabel(d),
  };
}

export function deviceLabel(d: { name: string; identifier: string; channel: Channel }): string {
  return `${d.name} (${catalogue.channel(d.channel).identifier.display(d.identifier)})`;
}

function newDeviceToken(): string {
  return `dev_${randomBytes(16).toString('base64url')}`;
}
