import { startAgent } from './agent';
import { loadEnv } from './env';
import { createLogger } from './log';

let env;
try {
  env = loadEnv();
} catch (err) {
  process.stderr.write(`${(err as Error).message}\n`);
  process.exit(2);
}
const log = createLogger('agent', env.HOOP_LOG_LEVEL);
const agent = startAgent(env, log);
const stop = () => {
  void agent.stop().then(() => process.exit(0));
};
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
