import { initGuard } from '@hoop/pipeline';
import { startAgent } from './agent';
import { loadEnv } from './env';
import { createLogger } from '@hoop/log';

let env;
try {
  env = loadEnv();
} catch (err) {
  process.stderr.write(`${(err as Error).message}\n`);
  process.exit(2);
}
const log = createLogger('agent', env.HOOP_LOG_LEVEL);
// the SQL parser must be loaded before the first statement is judged
await initGuard();
const agent = startAgent(env, log);
const stop = () => {
  void agent.stop().then(() => process.exit(0));
};
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
