import type { ShellCommand } from './analyze';
import { hasFlag, operandIndexes, readOptions } from './options';
import { devicePath, systemPath } from './paths';
import type { ShellCheck } from './shell-check';
import type { ResolvedWord } from './words';

const values = (c: ShellCommand) => c.argv.map((w) => w.value);
const shown = (w: ResolvedWord) => (w.literal ? w.value : w.raw);

export const chmodBroad: ShellCheck = (c) => {
  if (c.name !== 'chmod' && c.name !== 'chown' && c.name !== 'chgrp') return null;
  const v = values(c);
  if (!hasFlag(v.slice(1), 'R', ['recursive'])) return null;
  const targets = operandIndexes(v, 1);
  // the first operand is the mode or owner, unless --reference gives it
  if (!v.some((a) => a.startsWith('--reference'))) targets.shift();
  const changes = c.name === 'chmod' ? 'permissions' : 'ownership';
  for (const i of targets) {
    const w = c.argv[i]!;
    if (systemPath(w.path, w.glob)) {
      return {
        message: `${c.name} ${c.args.slice(0, i - 1).join(' ')} on ${shown(w)} changes ${changes} across the system and can leave it unable to boot or log in`,
        hint: 'name the directory you mean (e.g. /var/www/app), or request approval with --reason',
      };
    }
  }
  return null;
};

const DEVICE_HINT = 'writing to a disk device destroys its file system; write to a file, or request approval with --reason';
const WRITES = new Set(['>', '>>', '>|', '&>', '&>>', '<>', '>&']);

export const ddDevice: ShellCheck = (c) => {
  for (const r of c.redirects) {
    if (WRITES.has(r.op) && devicePath(r.target.path)) return { message: `${r.op} ${shown(r.target)} would overwrite the device`, hint: DEVICE_HINT };
  }
  const v = values(c);
  if (c.name === 'dd') {
    const of = c.argv.find((w) => w.value.startsWith('of='));
    if (of && devicePath(of.path.slice(3))) return { message: `dd ${shown(of)} would overwrite the device ${of.value.slice(3)}`, hint: DEVICE_HINT };
  }
  if (c.name === 'shred' || c.name === 'tee' || c.name === 'cp') {
    for (const i of operandIndexes(v, 1)) {
      const w = c.argv[i]!;
      if (devicePath(w.path) && (c.name !== 'cp' || i === v.length - 1))
        return { message: `${c.name} would overwrite the device ${shown(w)}`, hint: DEVICE_HINT };
    }
  }
  return null;
};

const FORMATTERS = /^(mkfs(\.\w+)?|mke2fs|mkswap|mkdosfs|mkntfs|mkexfatfs|mkfs\.\w+|blkdiscard)$/;
/** partition tools, with the options that only read */
const PARTITIONERS: Record<string, RegExp> = {
  fdisk: /^(-l|--list|-s|--getsz|-v|--version|-h|--help)$/,
  sfdisk: /^(-l|--list|-d|--dump|-J|--json|-s|--show-size|-V|--verify|-g|--show-geometry|-F|--list-free|-v|--version|-h|--help)$/,
  gdisk: /^(-l)$/,
  sgdisk: /^(-p|--print|-v|--verify|-i|--info|-L|--list-types|-O|--print-mbr|-V|--version)$/,
  cfdisk: /^(-V|--version|-h|--help)$/,
};
const PARTED_WRITES = new Set([
  'mklabel',
  'mktable',
  'mkpart',
  'mkpartfs',
  'rm',
  'resizepart',
  'resize',
  'name',
  'set',
  'toggle',
  'rescue',
  'mkfs',
  'move',
  'cp',
  'disk_set',
  'disk_toggle',
]);

export const mkfs: ShellCheck = (c) => {
  const v = values(c);
  const target =
    v
      .slice(1)
      .filter((a) => !a.startsWith('-'))
      .at(-1) ?? 'a disk';
  const hint = 'formatting or partitioning disks needs a reviewer: request approval with --reason';
  if (FORMATTERS.test(c.name)) return { message: `${c.name} would format ${target} and erase what is on it`, hint };
  if (c.name === 'wipefs') {
    const o = readOptions(v, 1, { short: 'otp', long: ['offset', 'types', 'backup'] });
    const writes = o.seen.has('a') || o.seen.has('all') || o.seen.has('o') || o.seen.has('offset');
    if (writes && !o.seen.has('n') && !o.seen.has('no-act')) return { message: `wipefs would erase the file system signatures on ${target}`, hint };
    return null;
  }
  const reads = PARTITIONERS[c.name];
  if (reads) return v.slice(1).some((a) => reads.test(a)) ? null : { message: `${c.name} would change the partition table of ${target}`, hint };
  if (c.name === 'parted') {
    if (v.some((a) => a === '-l' || a === '--list' || a === '-v' || a === '--version' || a === '-h' || a === '--help')) return null;
    const device = v.findIndex((a, i) => i > 0 && !a.startsWith('-'));
    const commands = device < 0 ? [] : v.slice(device + 1);
    if (commands.length > 0 && !commands.some((a) => PARTED_WRITES.has(a))) return null;
    return { message: `parted would change the partition table of ${device < 0 ? 'a disk' : v[device]}`, hint };
  }
  return null;
};
