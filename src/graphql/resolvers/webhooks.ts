import { Arg, Ctx, ID, Int, Mutation, Query, Resolver } from 'type-graphql';
import type { SaveResult } from '../../core/registry/webhooks.js';
import type { ApiCore } from '../core.js';
import { accountOf, type GraphQLContext } from '../context.js';
import { connection, endpointOut, targetOut, webhookOut } from '../mappers.js';
import { pageComplexity } from '../limits.js';
import { DeleteWebhookPayload, Endpoint, SaveWebhooksInput, SaveWebhooksPayload, UpdateWebhookInput, WebhookConnection, WebhookSummary } from '../types/webhook.js';

async function savePayload(core: ApiCore, accountId: string, saved: SaveResult): Promise<SaveWebhooksPayload> {
  const targets = await core.tests.targets(accountId, { webhookId: saved.webhookId });
  return {
    webhookId: saved.webhookId,
    batchId: saved.batchId,
    endpoints: saved.endpoints.map((e) => ({ ...endpointOut(e), signingKey: saved.signingKey })),
    testTargets: targets.map(targetOut),
  };
}

@Resolver()
export class WebhookResolver {
  @Query(() => WebhookConnection, { description: 'Webhooks → Webhook: one row per webhook, newest first. Search: name or URL, 3 characters at least.', complexity: pageComplexity })
  async webhooks(
    @Arg('search', () => String, { nullable: true }) search: string | null,
    @Arg('first', () => Int, { nullable: true }) first: number | null,
    @Arg('after', () => String, { nullable: true }) after: string | null,
    @Ctx() ctx: GraphQLContext,
  ): Promise<WebhookConnection> {
    return connection(await ctx.core.webhooks.list(accountOf(ctx), { search, first, after }), webhookOut);
  }

  @Query(() => WebhookSummary)
  webhookSummary(@Ctx() ctx: GraphQLContext): Promise<WebhookSummary> {
    return ctx.core.webhooks.summary(accountOf(ctx));
  }

  @Query(() => [Endpoint], { description: 'The endpoints of a webhook (by webhook id or any of its endpoint ids).' })
  async webhookEndpoints(@Arg('id', () => ID) id: string, @Ctx() ctx: GraphQLContext): Promise<Endpoint[]> {
    return (await ctx.core.webhooks.endpoints(accountOf(ctx), id)).map(endpointOut);
  }

  @Query(() => String, { description: 'The `whsec_…` signing key of a webhook (by webhook or endpoint id).' })
  webhookSigningKey(@Arg('id', () => ID) id: string, @Ctx() ctx: GraphQLContext): Promise<string> {
    return ctx.core.webhooks.signingKey(accountOf(ctx), id);
  }

  @Mutation(() => SaveWebhooksPayload, { description: 'Save → test: one save is one batch, every endpoint Pending test until a test succeeds. A name + URL + secret the account already has is refused (CONFLICT): edit that webhook instead.' })
  async saveWebhooks(@Arg('input', () => SaveWebhooksInput) input: SaveWebhooksInput, @Ctx() ctx: GraphQLContext): Promise<SaveWebhooksPayload> {
    const accountId = accountOf(ctx);
    return savePayload(ctx.core, accountId, await ctx.core.webhooks.save(accountId, { ...input }));
  }

  @Mutation(() => SaveWebhooksPayload, {
    description:
      'Edit a webhook as a patch (omitted fields keep what is stored, the secret included). Only a real change of URL, secret, devices or events puts the changed endpoints back to Pending test; a rename keeps statuses.',
  })
  async updateWebhook(@Arg('id', () => ID) id: string, @Arg('input', () => UpdateWebhookInput) input: UpdateWebhookInput, @Ctx() ctx: GraphQLContext): Promise<SaveWebhooksPayload> {
    const accountId = accountOf(ctx);
    return savePayload(ctx.core, accountId, await ctx.core.webhooks.update(accountId, id, { ...input }));
  }

  @Mutation(() => [Endpoint], {
    description:
      'Disable a webhook (by webhook id: every endpoint) or one endpoint (by endpoint id): no live traffic until enabled; queued deliveries are kept. Reason MANUAL. Answers the webhook\'s endpoints.',
  })
  async disableWebhook(@Arg('id', () => ID) id: string, @Ctx() ctx: GraphQLContext): Promise<Endpoint[]> {
    return (await ctx.core.webhooks.disable(accountOf(ctx), id)).map(endpointOut);
  }

  @Mutation(() => [Endpoint], {
    description:
      'Enable the Disabled endpoints of a webhook (or one endpoint): Pending test in a new batch (a successful Send test makes them Active and delivers what was kept), or Active at once with activate: true. Answers the webhook\'s endpoints.',
  })
  async enableWebhook(
    @Arg('id', () => ID) id: string,
    @Arg('activate', () => Boolean, { nullable: true, defaultValue: false, description: 'true: straight to Active, without a test.' }) activate: boolean,
    @Ctx() ctx: GraphQLContext,
  ): Promise<Endpoint[]> {
    return (await ctx.core.webhooks.enable(accountOf(ctx), id, { activate })).map(endpointOut);
  }

  @Mutation(() => DeleteWebhookPayload, { description: 'Removes the webhook; its attempts stay in the log.' })
  deleteWebhook(@Arg('id', () => ID) id: string, @Ctx() ctx: GraphQLContext): Promise<DeleteWebhookPayload> {
    return ctx.core.webhooks.delete(accountOf(ctx), id);
  }
}
