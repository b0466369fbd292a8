import { GraphQLJSON } from 'graphql-scalars';
import { Arg, Ctx, ID, Mutation, Query, Resolver } from 'type-graphql';
import { accountOf, publisherOf, type GraphQLContext } from '../context.js';
import { EventTypeEnum } from '../enums.js';
import { deviceOut, endpointOut } from '../mappers.js';
import { PublishEventPayload, RedeliverFailedPayload, RedeliverPayload, TroubleshootReport } from '../types/platform.js';
import type { SubscribedEvent } from '../../core/terms.js';

@Resolver()
export class PlatformResolver {
  @Mutation(() => PublishEventPayload, {
    description: 'The messaging platform reports an event of a device. Account keys publish for their own devices; the platform key for any.',
  })
  publishEvent(
    @Arg('deviceToken') deviceToken: string,
    @Arg('event', () => EventTypeEnum) event: SubscribedEvent,
    @Arg('data', () => GraphQLJSON) data: unknown,
    @Ctx() ctx: GraphQLContext,
  ): Promise<PublishEventPayload> {
    return ctx.core.dispatch.publish(publisherOf(ctx), { deviceToken, event, data });
  }

  @Mutation(() => RedeliverPayload, { description: 'Send one delivery again now (one more attempt).' })
  redeliver(@Arg('deliveryId', () => ID) deliveryId: string, @Ctx() ctx: GraphQLContext): Promise<RedeliverPayload> {
    return ctx.core.dispatch.redeliver(accountOf(ctx), deliveryId);
  }

  @Mutation(() => RedeliverFailedPayload, { description: 'Requeue every failed delivery of an endpoint created since `since` (until `until`, default now).' })
  redeliverFailed(
    @Arg('endpointId', () => ID) endpointId: string,
    @Arg('since', () => Date) since: Date,
    @Arg('until', () => Date, { nullable: true }) until: Date | null,
    @Ctx() ctx: GraphQLContext,
  ): Promise<RedeliverFailedPayload> {
    return ctx.core.dispatch.redeliverFailed(accountOf(ctx), { endpointId, since, until });
  }

  @Query(() => TroubleshootReport, { description: 'Walks the guide\'s symptom checklists for an endpoint (and optionally one device and event).' })
  async troubleshoot(
    @Arg('endpointId', () => ID) endpointId: string,
    @Arg('deviceId', () => ID, { nullable: true }) deviceId: string | null,
    @Arg('event', () => EventTypeEnum, { nullable: true }) event: SubscribedEvent | null,
    @Ctx() ctx: GraphQLContext,
  ): Promise<TroubleshootReport> {
    const r = await ctx.core.diagnose.troubleshoot(accountOf(ctx), { endpointId, deviceId, event });
    return { ...r, endpoint: endpointOut(r.endpoint), device: r.device ? deviceOut(r.device) : null };
  }
}
