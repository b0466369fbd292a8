import { Arg, Ctx, ID, Mutation, Query, Resolver } from 'type-graphql';
import { accountOf, type GraphQLContext } from '../context.js';
import { ChannelEnum } from '../enums.js';
import { deviceOut } from '../mappers.js';
import { Device, RegisterDeviceInput, UpdateDeviceInput } from '../types/device.js';
import type { Channel } from '../../core/terms.js';

@Resolver()
export class DeviceResolver {
  @Query(() => [Device])
  async devices(@Arg('channel', () => ChannelEnum, { nullable: true }) channel: Channel | null, @Ctx() ctx: GraphQLContext): Promise<Device[]> {
    return (await ctx.core.devices.list(accountOf(ctx), { channel: channel ?? undefined })).map(deviceOut);
  }

  @Query(() => Device)
  async device(@Arg('id', () => ID) id: string, @Ctx() ctx: GraphQLContext): Promise<Device> {
    return deviceOut(await ctx.core.devices.get(accountOf(ctx), id));
  }

  @Mutation(() => Device)
  async registerDevice(@Arg('input', () => RegisterDeviceInput) input: RegisterDeviceInput, @Ctx() ctx: GraphQLContext): Promise<Device> {
    return deviceOut(await ctx.core.devices.register(accountOf(ctx), { ...input }));
  }

  @Mutation(() => Device)
  async updateDevice(@Arg('id', () => ID) id: string, @Arg('input', () => UpdateDeviceInput) input: UpdateDeviceInput, @Ctx() ctx: GraphQLContext): Promise<Device> {
    return deviceOut(await ctx.core.devices.update(accountOf(ctx), id, { ...input }));
  }
}
