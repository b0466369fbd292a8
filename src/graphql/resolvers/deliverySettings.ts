import { Arg, Ctx, ID, Int, Mutation, Query, Resolver } from 'type-graphql';
import { accountOf, type GraphQLContext } from '../context.js';
import { CustomHeaderInput, DeliverySettings, SigningKeyRotation } from '../types/deliverySettings.js';

@Resolver()
export class DeliverySettingsResolver {
  @Query(() => DeliverySettings, { description: 'Custom headers, rate limit and signing-key overlap of a webhook (by webhook or endpoint id).' })
  webhookDeliverySettings(@Arg('id', () => ID) id: string, @Ctx() ctx: GraphQLContext): Promise<DeliverySettings> {
    return ctx.core.webhooks.settings(accountOf(ctx), id);
  }

  @Mutation(() => DeliverySettings, { description: 'Replaces the headers sent on every POST of the webhook (live and test); [] removes them. Statuses are kept.' })
  setWebhookHeaders(
    @Arg('id', () => ID) id: string,
    @Arg('headers', () => [CustomHeaderInput]) headers: CustomHeaderInput[],
    @Ctx() ctx: GraphQLContext,
  ): Promise<DeliverySettings> {
    return ctx.core.webhooks.setHeaders(accountOf(ctx), id, headers.map((h) => ({ name: h.name, value: h.value })));
  }

  @Mutation(() => DeliverySettings, { description: 'Most deliveries per second to each endpoint of the webhook, across every worker (1 to 10000); null removes the limit.' })
  setWebhookRateLimit(@Arg('id', () => ID) id: string, @Arg('perSecond', () => Int, { nullable: true }) perSecond: number | null, @Ctx() ctx: GraphQLContext): Promise<DeliverySettings> {
    return ctx.core.webhooks.setRateLimit(accountOf(ctx), id, perSecond);
  }

  @Mutation(() => SigningKeyRotation, { description: 'A new signing key, shown once here; the previous one keeps signing next to it until previousKeyUntil.' })
  rotateWebhookSigningKey(@Arg('id', () => ID) id: string, @Ctx() ctx: GraphQLContext): Promise<SigningKeyRotation> {
    return ctx.core.webhooks.rotateSigningKey(accountOf(ctx), id);
  }
}
