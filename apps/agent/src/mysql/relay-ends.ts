import type { Duplex } from 'node:stream';
import type { PacketParser } from '@hoop/mysqlwire';
import type { SessionHooks, Verdict } from '../session/hooks';
import type { ColumnMaskerFor } from './masking';

/** What the relay needs of the policy (session/policy-hooks.ts). */
export interface MysqlHooks {
  judge(sql: string): Verdict;
  /** `judge` away from the event loop where it can be (session/policy-hooks.ts): a promise when the verdict is not cached */
  judgeSoon?(sql: string): Verdict | Promise<Verdict>;
  /** asks reviewers about a held statement (absent: a statement that needs review is refused) */
  requestReview?: SessionHooks['requestReview'];
  columnMasker: ColumnMaskerFor;
  maskText(text: string): string;
  maskAudit(text: string): string;
  /** values masked since the last call, by type */
  takeMaskCounts(): Record<string, number>;
}

export interface RelayEnds {
  client: Duplex;
  target: Duplex;
  /** the target's packet parser, as the login left it */
  targetPackets: PacketParser;
  capabilities: number;
  maxMessage: number;
  hooks: MysqlHooks;
  /** the target session was opened read-only: COM_RESET_CONNECTION, which would undo that, is refused */
  readOnly?: boolean;
  /** the target session's statement time is bounded: COM_RESET_CONNECTION, which would undo that, is refused */
  timeBound?: boolean;
  audit(type: string, data: Record<string, unknown>): void;
  /** the session is over (the client quit, or either side closed or broke the protocol) */
  end(reason: string): void;
  /** a KILL of thread `id` is let through: a statement that thread holds for review stops waiting */
  killed?(id: number): void;
}
