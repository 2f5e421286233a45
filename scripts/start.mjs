// `npm start`: install what is missing, then bring the whole stack up (see scripts/stack.ts).
import { spawn } from 'node:child_process';
import path from 'node:path';
import { bootstrap, ROOT, step } from './bootstrap.mjs';

step('checking the workspace');
bootstrap();
const tsx = path.join(ROOT, 'node_modules', '.bin', 'tsx');
const child = spawn(tsx, [path.join(ROOT, 'scripts', 'stack.ts'), ...process.argv.slice(2)], { cwd: ROOT, stdio: 'inherit' });
// Ctrl-C reaches the child through the terminal's process group; the child shuts everything down and exits
for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => child.kill(sig));
child.on('exit', (code, signal) => process.exit(code ?? (signal ? 130 : 1)));
