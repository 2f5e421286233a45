import { beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_SHELL_SCRATCH, defaultPolicy, parsePolicy } from '../policy/schema';
import { analyzeShell, evaluateShell, initShellGuard } from './index';

beforeAll(async () => {
  await initShellGuard();
});

type Case = [command: string, action: 'allow' | 'deny' | 'review', ruleId?: string];

/** recursive deletion of scratch paths, and deletions that are not recursive: run as before */
const allowed: Case[] = [
  ['rm -rf /tmp/build-123', 'allow'],
  ['rm -r /tmp/x', 'allow'],
  ['rm -R /var/tmp/cache', 'allow'],
  ['rm --recursive --force /tmp/a /tmp/b', 'allow'],
  ['rm -rf "/tmp/x y"', 'allow'],
  ['rm -rf /tmp//x/', 'allow'],
  ['rm -rf /./tmp/x', 'allow'],
  ['rm -rf /tmp/build-*', 'allow'],
  ['rm -rf /tmp/*.log', 'allow'],
  ['rm -rf /tmp/x/*', 'allow'],
  ['rm -rf /tmp/{a,b}', 'allow'],
  ['rm -rf node_modules', 'allow'],
  ['rm -rf ./node_modules', 'allow'],
  ['rm -rf node_modules/', 'allow'],
  ['rm -rf frontend/node_modules', 'allow'],
  ['rm -rf node_modules/.cache/babel', 'allow'],
  ['rm -rf */node_modules', 'allow'],
  ['rm -rf packages/*/dist', 'allow'],
  ['rm -rf dist .cache target __pycache__ .pytest_cache .mypy_cache .next .turbo', 'allow'],
  ['rm -rf src/__pycache__', 'allow'],
  ['sudo rm -rf /tmp/build-123', 'allow'],
  ['sudo -u app bash -c "rm -rf /tmp/app-cache"', 'allow'],
  ['cd /srv/app && rm -rf node_modules && npm ci', 'allow'],
  ['find /tmp/x -delete', 'allow'],
  ['find /tmp/x -name "*.pyc" -delete', 'allow'],
  ['find /tmp/x -exec rm -rf {} +', 'allow'],
  ['find /tmp/x -depth -exec rm -r {} \\;', 'allow'],
  ['find /tmp/x -execdir rm -rf {} \\;', 'allow'],
  ['find /tmp/x -exec sh -c "rm -rf {}" \\;', 'allow'],
  ['find /tmp/x -exec sudo rm -rf {} +', 'allow'],
  ['find /tmp/x -print0 | xargs -0 rm -rf', 'allow'],
  ['find /tmp/x -type f | xargs rm', 'allow'],
  ['echo /tmp/a /tmp/b | xargs rm -rf', 'allow'],
  ['xargs rm -rf <<< "/tmp/a node_modules"', 'allow'],
  ["echo '/tmp/a' | xargs rm -rf", 'allow'],
  ['echo /tmp/a | sudo xargs -n1 rm -rf', 'allow'],
  ['parallel rm -rf ::: /tmp/a /tmp/b', 'allow'],
  ['parallel rm -rf {} ::: /tmp/a', 'allow'],
  ['git clean -fdx node_modules', 'allow'],
  ['git -C /tmp/repo clean -fdx', 'allow'],
  ['git clean -n -dx', 'allow'],
  ['git clean --dry-run', 'allow'],
  ['git status', 'allow'],
  ['rsync -a --delete build/ /tmp/site/', 'allow'],
  ['rsync -a build/ /srv/app/', 'allow'],
  ['rsync -a --delay-updates build/ /srv/app/', 'allow'],
  ['git -C/tmp/repo clean -fdx', 'allow'],
  ['cp -r /srv/app /tmp/copy && rm -rf /tmp/copy', 'allow'],
  ['rm -rf', 'allow'],
  ['rm -rf ""', 'allow'],
  // not recursive: one file or an empty directory, as today
  ['rm file.txt', 'allow'],
  ['rm -f /etc/nginx/sites-enabled/default', 'allow'],
  ['rm -- -dir', 'allow'],
  ['rm -d emptydir', 'allow'],
  ['rmdir -p a/b/c', 'allow'],
  ['unlink x', 'allow'],
  ['truncate -s 0 app.log', 'allow'],
  ['shred -u secret.key', 'allow'],
  ['find . -name "*.log" -print', 'allow'],
  ['find . -exec grep -l x {} +', 'allow'],
  ['ls | xargs rm', 'allow'],
  ['echo "rm -rf x"', 'allow'],
  ["awk '{print $2}' access.log", 'allow'],
  ['awk -F"|" \'{print $1}\' data.psv', 'allow'],
  ["awk '$1 > 5 || $2 < 3' f", 'allow'],
  ['python3 -m json.tool < data.json', 'allow'],
  ['python3 manage.py migrate', 'allow'],
  ['cat script.sh | grep rm', 'allow'],
  ['bash deploy.sh', 'allow'],
];

/** recursive deletion of anything else: held for a reviewer */
const reviewed: Case[] = [
  ['rm -rf some-dir', 'review', 'rm-recursive'],
  ['rm -r some-dir', 'review', 'rm-recursive'],
  ['rm -R some-dir', 'review', 'rm-recursive'],
  ['rm -fr some-dir', 'review', 'rm-recursive'],
  ['rm -r -f some-dir', 'review', 'rm-recursive'],
  ['rm --recursive some-dir', 'review', 'rm-recursive'],
  ['rm --recursive --force some-dir', 'review', 'rm-recursive'],
  ['rm --rec some-dir', 'review', 'rm-recursive'],
  ['rm some-dir -rf', 'review', 'rm-recursive'],
  ['rm -rf -- -dir', 'review', 'rm-recursive'],
  ['rm -rf ~/backups', 'review', 'rm-recursive'],
  ['rm -rf ~app/backups', 'review', 'rm-recursive'],
  ['rm -rf ~+/x', 'review', 'rm-recursive'],
  ['rm -rf ./node_modules/../src', 'review', 'rm-recursive'],
  ['rm -rf /tmp/../tmp/x', 'review', 'rm-recursive'],
  ['rm -rf /tmp/x/../y', 'review', 'rm-recursive'],
  ['rm -rf /tmp/x/.*', 'review', 'rm-recursive'],
  ['rm -rf /tmp/x/.?*', 'review', 'rm-recursive'],
  ['rm -rf /tmp/x/[.]*', 'review', 'rm-recursive'],
  ['rm -rf /tmp/x/@(..)', 'review', 'rm-recursive'],
  ['rm -rf /tmp/*/cache', 'review', 'rm-recursive'],
  ['rm -rf node_mod*', 'review', 'rm-recursive'],
  ['rm -rf "$DIR"', 'review', 'rm-recursive'],
  ['rm -rf "${DIR:?}"', 'review', 'rm-recursive'],
  ['rm -rf $HOME/x', 'review', 'rm-recursive'],
  ['rm -rf /tmp/x${SUFFIX}', 'review', 'rm-recursive'],
  ['rm -rf /tmp/x$(cat name)', 'review', 'rm-recursive'],
  ['rm -rf `cat dirs`', 'review', 'rm-recursive'],
  ['rm -rf /opt/app/releases/1', 'review', 'rm-recursive'],
  ['rm -rf /opt/app/cache', 'review', 'rm-recursive'],
  ['rm -rf build', 'review', 'rm-recursive'],
  ['rm -rf /tmp/x ./src', 'review', 'rm-recursive'],
  // the ways a program name is written or wrapped
  ["r''m -rf x", 'review', 'rm-recursive'],
  ['rm -r""f x', 'review', 'rm-recursive'],
  ["'rm' -rf x", 'review', 'rm-recursive'],
  ['\\rm -rf x', 'review', 'rm-recursive'],
  ['/bin/rm -rf x', 'review', 'rm-recursive'],
  ['/usr/bin/env rm -rf x', 'review', 'rm-recursive'],
  ['{rm,-rf,x}', 'review', 'rm-recursive'],
  ['sudo rm -rf x', 'review', 'rm-recursive'],
  ['sudo -u app rm -rf x', 'review', 'rm-recursive'],
  ['sudo -s rm -rf x', 'review', 'rm-recursive'],
  ['doas rm -rf x', 'review', 'rm-recursive'],
  ['bash -c "rm -rf x"', 'review', 'rm-recursive'],
  ["sh -c 'cd /srv && rm -rf app-old'", 'review', 'rm-recursive'],
  ['env rm -rf x', 'review', 'rm-recursive'],
  ['env -S "rm -rf x"', 'review', 'rm-recursive'],
  ['nice -n 19 rm -rf x', 'review', 'rm-recursive'],
  ['nohup rm -rf x &', 'review', 'rm-recursive'],
  ['timeout 60 rm -rf x', 'review', 'rm-recursive'],
  ['ionice -c3 rm -rf x', 'review', 'rm-recursive'],
  ['command rm -rf x', 'review', 'rm-recursive'],
  ['exec rm -rf x', 'review', 'rm-recursive'],
  ['busybox rm -rf x', 'review', 'rm-recursive'],
  ['toybox rm -rf x', 'review', 'rm-recursive'],
  ['(rm -rf x)', 'review', 'rm-recursive'],
  ['{ rm -rf x; }', 'review', 'rm-recursive'],
  ['echo $(rm -rf x)', 'review', 'rm-recursive'],
  ['ls | rm -rf x', 'review', 'rm-recursive'],
  ['ls && rm -rf x', 'review', 'rm-recursive'],
  ['ls; rm -rf x', 'review', 'rm-recursive'],
  ['for d in a b; do rm -rf "$d"; done', 'review', 'rm-recursive'],
  ["eval 'rm -rf x'", 'review', 'rm-recursive'],
  ["watch 'rm -rf x'", 'review', 'rm-recursive'],
  ['ssh web2 rm -rf x', 'review', 'rm-recursive'],
  ["su root -c 'rm -rf x'", 'review', 'rm-recursive'],
  ["su - app -c 'rm -rf x'", 'review', 'rm-recursive'],
  ["runuser app -c 'rm -rf x'", 'review', 'rm-recursive'],
  ['runuser -u app -- rm -rf x', 'review', 'rm-recursive'],
  ['pkexec rm -rf x', 'review', 'rm-recursive'],
  ['gosu app rm -rf x', 'review', 'rm-recursive'],
  ['setpriv --reuid=1000 rm -rf x', 'review', 'rm-recursive'],
  ['taskset -c 0 rm -rf x', 'review', 'rm-recursive'],
  ['chrt -f 10 rm -rf x', 'review', 'rm-recursive'],
  ['systemd-run --unit cleanup rm -rf x', 'review', 'rm-recursive'],
  ["script -qc 'rm -rf x' /dev/null", 'review', 'rm-recursive'],
  ["sg app 'rm -rf x'", 'review', 'rm-recursive'],
  ['echo "rm -rf x" | sh', 'review', 'rm-recursive'],
  ['bash <<EOF\nrm -rf x\nEOF', 'review', 'rm-recursive'],
  ["at now <<< 'rm -rf x'", 'review', 'rm-recursive'],
  ['psql -c "\\! rm -rf x"', 'review', 'rm-recursive'],
  // find
  ['find . -name x -delete', 'review', 'rm-recursive'],
  ['find x -delete', 'review', 'rm-recursive'],
  ['find /var/log -name "*.gz" -mtime +30 -delete', 'review', 'rm-recursive'],
  ['find /tmp -mtime +7 -delete', 'review', 'rm-recursive'],
  ['find x -depth -exec rm -r {} \\;', 'review', 'rm-recursive'],
  ['find x -exec rm -rf {} +', 'review', 'rm-recursive'],
  ['find x -execdir rm -rf {} \\;', 'review', 'rm-recursive'],
  ['find x -ok rm -rf {} \\;', 'review', 'rm-recursive'],
  ['find x -type f -exec rm {} +', 'review', 'rm-recursive'],
  ['find x -type f -exec shred -u {} \\;', 'review', 'rm-recursive'],
  ['find x -type f -exec truncate -s 0 {} +', 'review', 'rm-recursive'],
  ['find . -name node_modules -prune -exec rm -rf {} +', 'review', 'rm-recursive'],
  ['find -L /tmp/x -delete', 'review', 'rm-recursive'],
  ['find /tmp/x -follow -exec rm -rf {} +', 'review', 'rm-recursive'],
  ['find /tmp/x -exec rm -rf /opt/app/x \\;', 'review', 'rm-recursive'],
  // xargs and parallel
  ['printf x | xargs rm -rf', 'review', 'rm-recursive'],
  ['ls | xargs rm -rf', 'review', 'rm-recursive'],
  ['xargs -0 rm -r < list', 'review', 'rm-recursive'],
  ['xargs -a dirs.txt rm -rf', 'review', 'rm-recursive'],
  ['xargs -I{} rm -rf /tmp/{}', 'review', 'rm-recursive'],
  ['cat dirs | xargs -n1 sudo rm -rf', 'review', 'rm-recursive'],
  ['echo /tmp/a x | xargs rm -rf', 'review', 'rm-recursive'],
  ['echo "\'/tmp/a b\'" | xargs rm -rf', 'review', 'rm-recursive'],
  ['echo /tmp/a | xargs -I{} rm -rf {}', 'review', 'rm-recursive'],
  ['echo /tmp/a | xargs -d , rm -rf', 'review', 'rm-recursive'],
  ['find x -name "*.tmp" | xargs rm', 'review', 'rm-recursive'],
  ['parallel rm -rf ::: x', 'review', 'rm-recursive'],
  ['parallel rm -rf', 'review', 'rm-recursive'],
  ['parallel rm -rf :::: dirs.txt', 'review', 'rm-recursive'],
  // other tools that delete trees
  ['srm -r x', 'review', 'rm-recursive'],
  ['wipe -r x', 'review', 'rm-recursive'],
  ['git clean -fdx', 'review', 'rm-recursive'],
  ['git clean -f', 'review', 'rm-recursive'],
  ['git -C /srv/app clean -fdx', 'review', 'rm-recursive'],
  ['git -C /tmp/repo -C ../x clean -f', 'review', 'rm-recursive'],
  ['git -c clean.requireForce=false clean -d', 'review', 'rm-recursive'],
  ['git clean -fdx -e .env -- uploads', 'review', 'rm-recursive'],
  ['rsync -a --delete build/ /srv/app/', 'review', 'rm-recursive'],
  ['rsync -a --del --exclude node_modules ./ /srv/app', 'review', 'rm-recursive'],
  ['rsync -av --delete-after build/ deploy@web2:/srv/app/', 'review', 'rm-recursive'],
  // a scratch path the same line fills with something else
  ['mv /srv/app /tmp/trash && rm -rf /tmp/trash', 'review', 'rm-recursive'],
  ['mv /srv/app /tmp/ && rm -rf /tmp/app', 'review', 'rm-recursive'],
  ['ln -s /srv/app /tmp/x; rm -rf /tmp/x/data', 'review', 'rm-recursive'],
  ['sudo mount --bind /srv/app /tmp/m && rm -rf /tmp/m/*', 'review', 'rm-recursive'],
  ['mv -t /tmp/old /srv/app/uploads; rm -rf /tmp/old', 'review', 'rm-recursive'],
  // code in other languages hoop does not read
  ['python3 -c \'import shutil; shutil.rmtree("x")\'', 'review', 'interpreter-code'],
  ['perl -e \'use File::Path; rmtree("x")\'', 'review', 'interpreter-code'],
  ['perl -MFile::Path=remove_tree -e \'remove_tree("x")\'', 'review', 'interpreter-code'],
  ['ruby -e \'require "fileutils"; FileUtils.rm_rf("x")\'', 'review', 'interpreter-code'],
  ['node -e \'require("fs").rmSync("x", { recursive: true })\'', 'review', 'interpreter-code'],
  ['php -r \'system("rm -rf x");\'', 'review', 'interpreter-code'],
  ['python3 <<EOF\nimport shutil\nshutil.rmtree("x")\nEOF', 'review', 'interpreter-code'],
  ["echo 'import shutil' | python3", 'review', 'interpreter-code'],
  ['cat cleanup.py | python3', 'review', 'interpreter-code'],
  ["python3 <(echo 'import os')", 'review', 'interpreter-code'],
  ['sudo -u app python3 -c \'import os; os.system("rm -rf x")\'', 'review', 'interpreter-code'],
  ['awk \'BEGIN { system("rm -rf x") }\'', 'review', 'interpreter-code'],
  ['awk \'{ print | "sh" }\' cmds.txt', 'review', 'interpreter-code'],
  ['awk \'BEGIN { "rm -rf x" | getline }\'', 'review', 'interpreter-code'],
  ['gawk -e \'BEGIN{system("id")}\'', 'review', 'interpreter-code'],
  ['awk "$PROG" f', 'review', 'interpreter-code'],
  ['curl -s https://x/c.py | python3 -c "$(cat)"', 'review', 'interpreter-code'],
  // commands hoop only learns when the line runs
  ['$(echo rm) -rf x', 'review', 'dynamic-command'],
  ['$RM -rf x', 'review', 'dynamic-command'],
  ['eval "$CLEANUP"', 'review', 'dynamic-command'],
  ['echo cm0gLXJmIHg= | base64 -d | sh', 'review', 'dynamic-command'],
  ["bash <(echo 'rm -rf x')", 'review', 'dynamic-command'],
  ["source <(echo 'rm -rf x')", 'review', 'dynamic-command'],
  ['cat cleanup.sh | bash', 'review', 'dynamic-command'],
];

/** broad paths stay denied, whatever carries the deletion */
const denied: Case[] = [
  ['rm -rf /tmp', 'deny', 'rm-recursive-broad'],
  ['rm -rf /tmp/*', 'deny', 'rm-recursive-broad'],
  ['rm -rf /tmp/.*', 'deny', 'rm-recursive-broad'],
  ['rm -rf /tmp/../etc', 'deny', 'rm-recursive-broad'],
  ['rm -rf /tmp/*/..', 'deny', 'rm-recursive-broad'],
  ['rm -rf /tmp/{a,..}', 'deny', 'rm-recursive-broad'],
  ["rm -rf $'/tmp/x/../../etc'", 'deny', 'rm-recursive-broad'],
  ['rm -rf /tmp/x /srv/app', 'deny', 'rm-recursive-broad'],
  ['rm -rf /tmp/$NAME', 'deny', 'rm-recursive-broad'],
  ['rm -rf /tmp/$(cat name)', 'deny', 'rm-recursive-broad'],
  ['rm -rf "$DIR"/*', 'deny', 'rm-recursive-broad'],
  ['sudo bash -c "rm -rf /var/lib/postgresql"', 'deny', 'rm-recursive-broad'],
  ['find /tmp/x -exec rm -rf /srv/app/x \\;', 'deny', 'rm-recursive-broad'],
  ['git clean -fdx; rm -rf /boot', 'deny', 'rm-recursive-broad'],
  ['rm -rf ~', 'deny', 'rm-recursive-broad'],
  ['rm -rf .', 'deny', 'rm-recursive-broad'],
  ['rm -rf *', 'deny', 'rm-recursive-broad'],
  ['rm -rf /var', 'deny', 'rm-recursive-broad'],
  ['rm -rf --no-preserve-root /tmp/x', 'deny', 'rm-recursive-broad'],
  ['rm --rec /etc', 'deny', 'rm-recursive-broad'],
  ['runuser -u app -- rm -rf /srv/app', 'deny', 'rm-recursive-broad'],
  ['su root -c "rm -rf /"', 'deny', 'rm-recursive-broad'],
  ['find / -exec rm -rf {} +', 'deny', 'rm-recursive-broad'],
  ['find /srv/app -execdir rm -rf {} \\;', 'deny', 'rm-recursive-broad'],
  ['find / -type f -delete', 'deny', 'rm-recursive-broad'],
  ['find / -name "*" -delete', 'deny', 'rm-recursive-broad'],
  ['find /etc -name x -o -delete', 'deny', 'rm-recursive-broad'],
  ['find /etc ! -name x -delete', 'deny', 'rm-recursive-broad'],
  ['find /srv/app -type f -exec shred {} \\;', 'deny', 'rm-recursive-broad'],
  ['find . -exec rm {} +', 'deny', 'rm-recursive-broad'],
  ['find /srv/app -print0 | xargs -0 rm -rf', 'deny', 'rm-recursive-broad'],
  ['find /srv -type f | xargs rm', 'deny', 'rm-recursive-broad'],
  ['echo /tmp/a /srv/app | xargs rm -rf', 'deny', 'rm-recursive-broad'],
  ['xargs rm -rf <<< "/var/lib/postgresql"', 'deny', 'rm-recursive-broad'],
  ['parallel rm -rf ::: /tmp/a /etc', 'deny', 'rm-recursive-broad'],
  ["echo 'rm -rf /srv/app' | at now", 'deny', 'rm-recursive-broad'],
  ['srm -r /home', 'deny', 'rm-recursive-broad'],
];

describe('recursive deletion on the default policy', () => {
  const policy = defaultPolicy();
  it.each([...allowed, ...reviewed, ...denied])('%j → %s %s', (command, action, ruleId) => {
    const d = evaluateShell(command, policy);
    expect({ action: d.action, ruleId: d.ruleId }, d.reason).toEqual({ action, ruleId });
    if (action !== 'allow') {
      expect(d.reason).toBeTruthy();
      expect(d.hint).toBeTruthy();
    }
  });

  it('holds each reviewed deletion because of that rule: with the rule off the line runs', () => {
    const off = parsePolicy({
      name: 'p',
      guardrails: {
        shell: { builtins: { 'rm-recursive': { enabled: false }, 'interpreter-code': { enabled: false }, 'dynamic-command': { enabled: false } } },
      },
    });
    for (const [command] of reviewed) expect(evaluateShell(command, off).action, command).toBe('allow');
  });

  it('says what is deleted and why it is not scratch', () => {
    const say = (command: string) => evaluateShell(command, policy).reason;
    expect(say('rm -rf ./build/tmp')).toBe('rm -rf deletes everything under ./build/tmp, which is not a scratch path');
    expect(say('sudo rm -r -f "$DIR"')).toBe('rm -r -f deletes everything under "$DIR", a path only known when the line runs');
    expect(say('rm -rf ./node_modules/../src')).toBe(
      'rm -rf deletes everything under ./node_modules/../src, which climbs with .. and so is never taken as a scratch path',
    );
    expect(say('rm -rf /tmp/*/cache')).toBe('rm -rf deletes everything under /tmp/*/cache, a glob that can reach beyond the scratch paths');
    expect(say('find /var/log -name "*.gz" -delete')).toBe('find -delete deletes the files found under /var/log, which is not a scratch path');
    expect(say('find x -exec rm -rf {} +')).toBe('find -exec rm -rf deletes everything under x, which is not a scratch path');
    expect(say('ls | xargs rm -rf')).toBe(
      'xargs rm -rf deletes, with everything under them, the paths xargs reads from standard input, which are only known when the line runs',
    );
    expect(say('git clean -fdx')).toBe('git clean -fdx deletes the untracked files under ., which is not a scratch path');
    expect(say('rsync -a --delete build/ web2:/srv/app/')).toBe('rsync --delete deletes what the source lacks from web2:/srv/app/, on another machine');
    expect(say('mv /srv/app /tmp/t && rm -rf /tmp/t')).toBe('rm -rf deletes everything under /tmp/t, where the same line moves, links or mounts other files');
    expect(evaluateShell('rm -rf x', policy).hint).toBe(
      `deleting outside the scratch paths (${DEFAULT_SHELL_SCRATCH.slice(0, 4).join(', ')}, …) needs a reviewer: request approval with --reason`,
    );
  });

  it('lists every command of the line with its own decision', () => {
    const d = evaluateShell('rm -rf /tmp/a && sudo rm -rf old-release && ls', policy);
    expect(d.commands.map((c) => [c.command, c.via, c.action, c.ruleId])).toEqual([
      ['rm', [], 'allow', undefined],
      ['sudo', [], 'allow', undefined],
      ['rm', ['sudo'], 'review', 'rm-recursive'],
      ['ls', [], 'allow', undefined],
    ]);
  });

  it('has at least 250 cases', () => {
    expect(allowed.length + reviewed.length + denied.length).toBeGreaterThanOrEqual(250);
  });
});

describe('the program that runs a command', () => {
  it('is recorded through wrappers, find -exec, xargs and shell code', () => {
    const a = analyzeShell('find /tmp/x -exec sudo rm -rf {} + ; ls | xargs -0 nice rm -r; bash -c "rm -rf y"; rm z');
    if (!a.ok) throw new Error(a.error);
    const chain = (i: number) => {
      const out: string[] = [];
      for (let p = a.commands[i]!.runBy; p; p = p.runBy) out.push(p.name);
      return out;
    };
    expect(a.commands.map((c) => c.name)).toEqual(['find', 'sudo', 'rm', 'ls', 'xargs', 'nice', 'rm', 'bash', 'rm', 'rm']);
    expect([chain(2), chain(6), chain(8), chain(9)]).toEqual([['sudo', 'find'], ['nice', 'xargs'], ['bash'], []]);
  });
});
