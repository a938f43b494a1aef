import { join } from 'node:path';
import { ensureDebianPackage } from './debian.ts';
import { canConnect, freePort, startProcess, waitFor, type Service } from './proc.ts';

export interface RedisInstance {
  readonly url: string;
  readonly port: number;
  readonly service: Service;
}

/** Starts redis-server from Debian's package on a free loopback port, no persistence. */
export async function startRedis(dir: string): Promise<RedisInstance> {
  await ensureDebianPackage('redis-server', '/usr/bin/redis-server');
  const port = await freePort();
  const service = startProcess({
    name: 'redis',
    command: '/usr/bin/redis-server',
    args: [
      ...['--port', String(port), '--bind', '127.0.0.1', '--dir', dir],
      ...['--save', '', '--appendonly', 'no', '--protected-mode', 'yes', '--daemonize', 'no'],
    ],
    logFile: join(dir, 'redis.log'),
  });
  await waitFor('redis', async () => canConnect(port), { timeoutMs: 30_000, service });
  return { url: `redis://127.0.0.1:${port}`, port, service };
}
