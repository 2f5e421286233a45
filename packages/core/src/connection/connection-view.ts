import type { Prisma } from '@hoop/db';

type Json = Prisma.JsonValue;

const str = (v: Json | undefined): string | null => (typeof v === 'string' && v ? v : typeof v === 'number' ? String(v) : null);

/** A command line stored as a list of words, as one line. */
const commandLine = (v: Json | undefined): string | null => (Array.isArray(v) && v.length > 0 && v.every((w) => typeof w === 'string') ? v.join(' ') : str(v));

/** A one-line, non-secret description of where a connection points, e.g. `db.internal:5432/app`. */
export function targetSummary(type: string, config: Json): string | null {
  if (!config || typeof config !== 'object' || Array.isArray(config)) return null;
  const host = str(config.host);
  const port = str(config.port);
  const hostPort = host ? (port ? `${host}:${port}` : host) : null;
  switch (type) {
    case 'postgres':
    case 'mysql': {
      const user = str(config.user);
      const database = str(config.database);
      if (!hostPort) return database;
      return `${user ? `${user}@` : ''}${hostPort}${database ? `/${database}` : ''}`;
    }
    case 'anthropic':
      return str(config.baseUrl) ?? 'https://api.anthropic.com';
    case 'http':
      return str(config.baseUrl) ?? str(config.url) ?? hostPort;
    case 'kubernetes':
      return str(config.server);
    case 'command':
      return str(config.command) ?? commandLine(config.shell) ?? commandLine(config.exec);
    default:
      return hostPort;
  }
}

/** Where the agent finds the target credential, without revealing it. */
export function secretSource(secretRef: string | null): 'env' | 'file' | 'stored' | 'none' {
  if (!secretRef) return 'none';
  if (secretRef.startsWith('env:')) return 'env';
  if (secretRef.startsWith('file:')) return 'file';
  return 'stored';
}
