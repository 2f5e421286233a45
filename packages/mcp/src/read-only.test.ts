import { beforeAll, describe, expect, it } from 'vitest';
import { initShellGuard } from '@hoop/pipeline';
import { shellLineOnlyReads } from './read-only';

beforeAll(async () => {
  await initShellGuard();
});

describe('shellLineOnlyReads', () => {
  it.each([
    'ls -la /var/log',
    'tail -n 100 /var/log/app.log | grep -i error | sort | uniq -c',
    'df -h; free -m',
    'kubectl get pods -n shop',
    'kubectl logs deploy/api --tail 50',
    'systemctl status nginx',
    'cat /etc/os-release 2>/dev/null',
    'find /var/log -name "*.gz" -mtime +30',
    'cd /srv/app && git log -n 5',
  ])('reads: %s', (line) => expect(shellLineOnlyReads(line)).toBe(true));

  it.each([
    'touch x',
    'echo hi > /etc/motd',
    'sed -i s/a/b/ file',
    'find /tmp -name x -delete',
    'kubectl delete pod api-1',
    'systemctl restart nginx',
    'sudo cat /etc/shadow',
    '$CMD',
    'bash -c "ls"',
    'ls; rm -rf /tmp/x',
    'echo "unterminated',
  ])('may change something: %s', (line) => expect(shellLineOnlyReads(line)).toBe(false));
});
