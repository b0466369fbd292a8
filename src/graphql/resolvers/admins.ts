import { Arg, Ctx, ID, Int, Mutation, Query, Resolver } from 'type-graphql';
import { accountOf, type GraphQLContext } from '../context.js';
import { AdminChat, AlertMute, ChatLinkCode } from '../types/admins.js';

@Resolver()
export class AdminResolver {
  @Mutation(() => ChatLinkCode, { description: 'A one-time code to link a Telegram chat to this account (admin commands and failure alerts).' })
  async createChatLinkCode(@Ctx() ctx: GraphQLContext): Promise<ChatLinkCode> {
    const { code, expiresAt } = await ctx.core.admins.createLinkCode(accountOf(ctx));
    return { code, expiresAt, startCommand: `/start ${code}`, deepLink: ctx.chatLink(code) };
  }

  @Query(() => [AdminChat], { description: 'Telegram chats linked to this account.' })
  async adminChats(@Ctx() ctx: GraphQLContext): Promise<AdminChat[]> {
    return (await ctx.core.admins.chats(accountOf(ctx))).map((c) => ({ chatId: c.chatId, title: c.title, linkedAt: c.linkedAt }));
  }

  @Mutation(() => AlertMute, { description: 'Silence failure alerts of an endpoint for 1 or 24 hours.' })
  muteEndpointAlerts(@Arg('endpointId', () => ID) endpointId: string, @Arg('hours', () => Int) hours: number, @Ctx() ctx: GraphQLContext): Promise<AlertMute> {
    return ctx.core.alerts.mute(accountOf(ctx), { endpointId, hours });
  }

  @Mutation(() => AlertMute, { description: 'Alerts of the endpoint resume at once.' })
  async unmuteEndpointAlerts(@Arg('endpointId', () => ID) endpointId: string, @Ctx() ctx: GraphQLContext): Promise<AlertMute> {
    return { ...(await ctx.core.alerts.unmute(accountOf(ctx), endpointId)), mutedUntil: null };
  }
}
