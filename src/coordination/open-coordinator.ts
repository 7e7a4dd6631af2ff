import type { Config } from '../config/index.js';
import type { Coordinator } from './coordinator.js';
import { createLocalCoordinator } from './local-coordinator.js';

/** The coordinator LLM_PROXY_COORDINATION asks for; ioredis is loaded only for `redis`. */
export async function openCoordinator(config: Config['coordination'], options: { onError?: (error: Error) => void } = {}): Promise<Coordinator> {
  if (config.backend === 'none') return createLocalCoordinator();
  const { createRedisCoordinator } = await import('./redis-coordinator.js');
  return createRedisCoordinator({ url: config.redisUrl, keyPrefix: config.keyPrefix, onError: options.onError });
}
