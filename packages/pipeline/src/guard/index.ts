export { type Analysis, analyzeSql, initGuard } from './analyze';
export type { StatementInfo } from './classify';
export { type Decision, evaluate, SQLSTATE_POLICY, type StatementDecision } from './evaluate';
export { BUILTIN_RULES } from './rules';
export { type LiteralShape, literalFree, literalShape } from './shape';
