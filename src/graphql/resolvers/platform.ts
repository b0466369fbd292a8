import { GraphQLJSON } from 'graphql-scalars';
import { Arg, Ctx, ID, Mutation, Query, Resolver } from 'type-graphql';
import { accountOf, publisherOf, type GraphQLContext } from '../context.js';
import { EventTypeEnum } from '../enums.js';
import { deviceOut, endpointOut } from '../mappers.js';
import { PublishEventPayload, RedeliverFailedPayload, RedeliverPayload, TroubleshootReport } from '../types/platform.js';
import type { SubscribedEvent } from '../../core/terms.js';

@Resolver()
export class PlatformResolver {
  // Nullable, so that one failing publish among aliased ones in a request nulls only its own
  // field (with its error), never the results of the others that were stored.
  @Mutation(() => PublishEventPayload, {
    nullable: true,
    description:
      'The messaging platform reports an event of a device. Account keys publish for their own devices; the platform key for any. ' +
      'Send an `idempotencyKey` (a UUID of the event, say) and retrying is safe: the same key for the same account within IDEMPOTENCY_WINDOW (24 h) ' +
      'returns the first result (`replayed: true`) and queues nothing new, also while the first call is still running. ' +
      'Retry on UNAVAILABLE (HTTP 503), a timeout or a lost connection with the same key and the same event.',
  })
  publishEvent(
    @Arg('deviceToken') deviceToken: string,
    @Arg('event', () => EventTypeEnum) event: SubscribedEvent,
    @Arg('data', () => GraphQLJSON) data: unknown,
    @Arg('idempotencyKey', () => String, { nullable: true, description: 'Up to 255 printable ASCII characters, unique per event (a UUID fits).' }) idempotencyKey: string | null,
    @Ctx() ctx: GraphQLContext,
  ): Promise<PublishEventPayload> {
    return ctx.core.dispatch.publish(publisherOf(ctx), { deviceToken, event, data, idempotencyKey });
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
