import { Arg, Ctx, ID, Mutation, Query, Resolver } from 'type-graphql';
import { accountOf, type GraphQLContext } from '../context.js';
import { deviceOut, targetOut } from '../mappers.js';
import { TestResult, TestTargetDetail } from '../types/test.js';
import { TestTarget } from '../types/webhook.js';

@Resolver()
export class TestResolver {
  @Query(() => [TestTarget], { description: 'The Webhook dropdown of Webhooks → Test: endpoint × device × event.' })
  async testTargets(@Arg('webhookId', () => ID, { nullable: true }) webhookId: string | null, @Ctx() ctx: GraphQLContext): Promise<TestTarget[]> {
    return (await ctx.core.tests.targets(accountOf(ctx), { webhookId })).map(targetOut);
  }

  @Query(() => TestTargetDetail)
  async testTarget(@Arg('id', () => ID) id: string, @Ctx() ctx: GraphQLContext): Promise<TestTargetDetail> {
    const d = await ctx.core.tests.target(accountOf(ctx), id);
    return { target: targetOut(d.target), device: deviceOut(d.device), scenario: d.scenario, payloadPreview: d.payloadPreview, requestHeaders: d.requestHeaders };
  }

  @Mutation(() => TestResult, { description: 'POSTs the payload preview. On 200 or 201 every endpoint of the save batch becomes Active.' })
  async sendTest(@Arg('targetId', () => ID) targetId: string, @Ctx() ctx: GraphQLContext): Promise<TestResult> {
    const r = await ctx.core.tests.send(accountOf(ctx), targetId);
    return { ...r, activatedEndpoints: r.activatedEndpointIds };
  }
}
