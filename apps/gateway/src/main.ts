import { loadEnv } from './env';
import { createLogger } from '@hoop/log';
import { startGateway } from './server';

async function main(): Promise<void> {
  let env;
  try {
    env = loadEnv();
  } catch (err) {
    process.stderr.write(`${(err as Error).message}\n`);
    process.exit(2);
  }
  const log = createLogger('gateway', env.HOOP_LOG_LEVEL);
  const gateway = await startGateway(env, log);
  let stopping = false;
  const stop = async () => {
    if (stopping) return;
    stopping = true;
    log.info('stopping');
    await gateway.close().catch((e: Error) => log.error('error while stopping', { error: e.message }));
    process.exit(0);
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

main().catch((err: Error) => {
  process.stderr.write(`gateway failed to start: ${err.message}\n`);
  process.exit(1);
});
