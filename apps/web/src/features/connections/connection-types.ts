/** Display names for connection types (the set of types itself comes from @hoop/protocol). */
const LABELS: Record<string, string> = {
  postgres: 'PostgreSQL',
  mysql: 'MySQL',
  ssh: 'SSH',
  http: 'HTTP',
  kubernetes: 'Kubernetes',
  command: 'Command',
  anthropic: 'Claude (model API)',
};

export function typeLabel(type: string): string {
  return LABELS[type] ?? type;
}

export const SECRET_LABEL = {
  env: { text: 'agent env', title: "Read from an environment variable on the agent's host" },
  file: { text: 'agent file', title: "Read from a file on the agent's host" },
  stored: { text: 'encrypted', title: 'Stored encrypted by hoop and sent only to the agent that serves this connection' },
  none: { text: 'none', title: 'No credential configured' },
} as const;
