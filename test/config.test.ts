import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../src/config.js';

describe('configuration from the environment', () => {
  it('runs with nothing set: embedded database, private targets refused, bot off, every role', () => {
    const c = loadConfig({});
    expect(c).toMatchObject({ port: 4000, databaseUrl: undefined, allowPrivateTargets: false, telegramBotToken: undefined, roles: ['api', 'workers', 'bot'] });
    expect(c.delivery).toMatchObject({ timeoutMs: 30_000, testTimeoutMs: 45_000, retryScheduleMs: [5_000, 300_000, 1_800_000, 7_200_000, 18_000_000, 36_000_000] });
    expect(c.attemptRetentionDays).toBe(30);
  });

  it('reads durations and lists', () => {
    const c = loadConfig({ RETRY_SCHEDULE: '1s, 2m,3h,500ms', ROLES: 'workers', ALLOW_PRIVATE_TARGETS: 'true' });
    expect(c.delivery.retryScheduleMs).toEqual([1_000, 120_000, 10_800_000, 500]);
    expect(c.roles).toEqual(['workers']);
    expect(c.allowPrivateTargets).toBe(true);
    expect(loadConfig({ RETRY_SCHEDULE: 'none' }).delivery.retryScheduleMs).toEqual([]);
  });

  it('treats empty values as unset, as docker-compose writes them', () => {
    expect(loadConfig({ DATABASE_URL: '', TELEGRAM_BOT_TOKEN: '' }).databaseUrl).toBeUndefined();
  });

  it.each([
    [{ PORT: 'eighty' }, 'PORT'],
    [{ DATABASE_URL: 'not a url' }, 'DATABASE_URL'],
    [{ ALLOW_PRIVATE_TARGETS: 'maybe' }, 'ALLOW_PRIVATE_TARGETS'],
    [{ ROLES: 'api,cron' }, 'ROLES'],
    [{ RETRY_SCHEDULE: '5 seconds' }, 'RETRY_SCHEDULE'],
    [{ TELEGRAM_BOT_TOKEN: 'abc' }, 'TELEGRAM_BOT_TOKEN'],
    [{ PLATFORM_API_KEY: 'short' }, 'PLATFORM_API_KEY'],
    [{ DELIVERY_TIMEOUT_MS: '-1' }, 'DELIVERY_TIMEOUT_MS'],
  ])('refuses %o, naming %s and how to fix it', (env, variable) => {
    expect(() => loadConfig(env)).toThrow(ConfigError);
    try {
      loadConfig(env);
    } catch (e) {
      expect((e as Error).message).toMatch(new RegExp(`${variable}: (use|must|Invalid|Too)`, 'i'));
    }
  });
});
