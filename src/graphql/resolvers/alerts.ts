import { Arg, Ctx, Mutation, Query, Resolver } from 'type-graphql';
import { accountOf, type GraphQLContext } from '../context.js';
import { AlertWebhook, SetAlertWebhookPayload } from '../types/alerts.js';

/**
 * The alert webhook. Each alert it receives lists its actions; each is a mutation here:
 * retry → `redeliver`, mute → `muteEndpointAlerts`, details → `deliveryLogs`.
 */
@Resolver()
export class AlertResolver {
  @Query(() => AlertWebhook, { nullable: true, description: "The account's alert webhook, or null when none is set." })
  alertWebhook(@Ctx() ctx: GraphQLContext): Promise<AlertWebhook | null> {
    return ctx.core.alerts.webhook.get(accountOf(ctx));
  }

  @Mutation(() => SetAlertWebhookPayload, { description: "Every alert of the account (failing, grouped, recovered, disabled) is also POSTed to this URL. The URL follows a webhook's rules." })
  setAlertWebhook(@Arg('url') url: string, @Ctx() ctx: GraphQLContext): Promise<SetAlertWebhookPayload> {
    return ctx.core.alerts.webhook.set(accountOf(ctx), { url });
  }

  @Mutation(() => Boolean, { description: 'Alerts stop going to the alert webhook at once (queued ones too); false when none was set.' })
  async removeAlertWebhook(@Ctx() ctx: GraphQLContext): Promise<boolean> {
    return (await ctx.core.alerts.webhook.remove(accountOf(ctx))).removed;
  }
}
