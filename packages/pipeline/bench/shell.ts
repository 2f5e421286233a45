/**
 * Parse + guard throughput for shell lines over a generated corpus of realistic commands (≥ 10,000): p50/p99 µs per
 * line and lines per second. `node --import tsx packages/pipeline/bench/shell.ts`
 */
import { defaultPolicy, evaluateShell, initShellGuard } from '../src/index';

function corpus(n: number): string[] {
  const services = ['nginx', 'api', 'worker', 'postgresql', 'redis', 'billing'];
  const dirs = ['/var/log', '/var/www/app', '/srv/app/releases', '/tmp', '/etc/nginx', './build', '~/deploy'];
  const files = ['app.log', 'error.log', 'access.log', 'config.yaml', 'notes.txt', '.env'];
  let seed = 11;
  const r = () => (seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648;
  const pick = <T>(xs: T[]): T => xs[Math.floor(r() * xs.length)]!;
  const shapes: (() => string)[] = [
    () => `ls -la ${pick(dirs)}`,
    () => `tail -n ${Math.floor(r() * 500)} ${pick(dirs)}/${pick(files)}`,
    () => `grep -rn "${pick(['error', 'timeout', 'panic', 'refused'])}" ${pick(dirs)} | head -n 20`,
    () => `sudo systemctl ${pick(['status', 'restart', 'reload'])} ${pick(services)}`,
    () => `journalctl -u ${pick(services)} --since "${1 + Math.floor(r() * 12)} hours ago" --no-pager | tail -n 100`,
    () => `ps aux | grep ${pick(services)} | grep -v grep | awk '{print $2}'`,
    () => `df -h && free -m && uptime`,
    () => `cd ${pick(dirs)} && git pull --ff-only && npm ci && npm run build`,
    () => `kubectl -n prod get pods -l app=${pick(services)} -o wide`,
    () => `kubectl -n prod logs deploy/${pick(services)} --tail=200 | grep -i error`,
    () => `sudo -u postgres psql -d shop -c "select count(*) from orders where created_at > now() - interval '1 day'"`,
    () => `for f in ${pick(dirs)}/*.log; do gzip -9 "$f"; done`,
    () => `if [ -f ${pick(dirs)}/${pick(files)} ]; then cat ${pick(dirs)}/${pick(files)}; else echo missing; fi`,
    () => `curl -s -o /dev/null -w "%{http_code}" https://${pick(services)}.internal/health`,
    () => `find ${pick(dirs)} -name "*.tmp" -mtime +${Math.floor(r() * 30)} -delete`,
    () => `tar czf /tmp/backup-$(date +%F).tgz ${pick(dirs)} 2>/dev/null`,
    () => `docker exec -it ${pick(services)} sh -c "ls -la /app && cat /app/${pick(files)}"`,
    () => `rm -rf ${pick(['./build/tmp', '/tmp/cache-' + Math.floor(r() * 99), 'node_modules/.cache'])}`,
    () => `echo "$(whoami)@$(hostname): $(date)" >> ~/audit.txt`,
    () => `rm -rf ${pick(['/', '/var/lib/app', '~', '/etc', '*'])}`,
    () => `curl -fsSL https://get.example.com/${pick(services)}.sh | sudo bash`,
    () => `psql -c "${pick(['delete from sessions', 'drop table orders', 'truncate events'])}"`,
    () => `${pick(['reboot', 'shutdown -h now', 'mkfs.ext4 /dev/sdb1', 'dd if=/dev/zero of=/dev/sda'])}`,
    () => `kubectl delete ns ${pick(services)}`,
  ];
  return Array.from({ length: n }, () => pick(shapes)());
}

await initShellGuard();
const policy = defaultPolicy();
const lines = corpus(20_000);
for (const l of lines.slice(0, 2000)) evaluateShell(l, policy); // warm up
const times = new Float64Array(lines.length);
let stopped = 0;
const start = process.hrtime.bigint();
for (let i = 0; i < lines.length; i++) {
  const t0 = process.hrtime.bigint();
  if (evaluateShell(lines[i]!, policy).action !== 'allow') stopped++;
  times[i] = Number(process.hrtime.bigint() - t0) / 1000;
}
const totalMs = Number(process.hrtime.bigint() - start) / 1e6;
const sorted = Array.from(times).sort((a, b) => a - b);
const q = (p: number) => sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))]!;
process.stdout.write(
  `shell guard bench: ${lines.length} command lines (${stopped} stopped)\n` +
    `  p50 ${q(0.5).toFixed(1)} µs   p90 ${q(0.9).toFixed(1)} µs   p99 ${q(0.99).toFixed(1)} µs   max ${sorted.at(-1)!.toFixed(0)} µs\n` +
    `  ${Math.round(lines.length / (totalMs / 1000))} command lines/s (one core)\n`,
);
