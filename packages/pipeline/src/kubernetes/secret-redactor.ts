/**
 * Secret values taken out of a Kubernetes API server's JSON answers as they stream: nothing waits for the whole body
 * (a list of ten thousand Secrets or a watch that never ends goes on piece by piece), and a value being redacted is
 * dropped as it passes, never held.
 *
 * What is redacted:
 * - in a Secret, each value of `data` (replaced by base64 of `[REDACTED]`, so typed clients still decode it: kubectl
 *   describe shows 10 bytes) and of `stringData` (`[REDACTED]`), the keys kept;
 * - in a Secret's `metadata.annotations`, `kubectl.kubernetes.io/last-applied-configuration` (kubectl apply keeps the
 *   whole Secret there) with its own `data` and `stringData` values redacted the same way;
 * - in a TokenRequest (`kubectl create token`, the serviceaccounts/token subresource), `status.token`: a service
 *   account's token would let its holder reach the API server without hoop.
 * What is a Secret: an object whose `kind` is `Secret` (the API server writes `kind` first), each item of a
 * `SecretList`, and — when the request's path is about secrets (`secretsPath`) — every object of the answer, whatever
 * its kind says: a list's items carry no kind, a Table or PartialObjectMetadata answer another one, and a watch event
 * wraps the object. A body that is not JSON throws (the caller breaks the answer off: fail closed).
 */

export const REDACTED = '[REDACTED]';
const REDACTED_BASE64 = Buffer.from(REDACTED).toString('base64');
export const LAST_APPLIED = 'kubectl.kubernetes.io/last-applied-configuration';

export class SecretRedactError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SecretRedactError';
  }
}

interface Frame {
  kind: 'object' | 'array';
  /** what may come next: a key (objects), the colon after it, a value, or a comma (or the close) */
  need: 'key' | 'colon' | 'value' | 'comma';
  /** nothing in it yet */
  empty: boolean;
  key: string | null;
  /** this object is a Secret */
  secret: boolean;
  /** this object is a SecretList (its `items` are Secrets) */
  secretList: boolean;
  /** this array holds Secrets */
  secretItems: boolean;
  /** string values inside are replaced: base64 (`data`) or text (`stringData`) */
  redact: 'base64' | 'text' | null;
  /** this object is a TokenRequest, and this is its status */
  tokenRequest: boolean;
  tokenStatus: boolean;
  /** a Secret's metadata, and its annotations */
  secretMetadata: boolean;
  secretAnnotations: boolean;
}

type StringRole = 'pass' | 'key' | 'kind' | 'drop' | 'applied';

const MAX_KEY = 64 * 1024;
const MAX_APPLIED = 16 * 1024 * 1024;
const WS = new Set([0x20, 0x09, 0x0a, 0x0d]);

export class SecretRedactor {
  private readonly stack: Frame[] = [];
  private state: 'between' | 'string' | 'literal' = 'between';
  private role: StringRole = 'pass';
  private escaped = false;
  private held: Buffer[] = [];
  private heldBytes = 0;
  private dropAs: 'base64' | 'text' = 'text';
  /** values redacted so far */
  redacted = 0;

  constructor(private readonly secretsPath: boolean) {}

  push(chunk: Buffer): Buffer {
    const out: Buffer[] = [];
    let from = 0;
    for (let i = 0; i < chunk.length; i++) {
      const c = chunk[i]!;
      if (this.state === 'string') {
        if (this.escaped) this.escaped = false;
        else if (c === 0x5c) this.escaped = true;
        else if (c === 0x22) {
          if (this.role === 'pass') {
            this.state = 'between';
            this.valueDone();
            continue;
          }
          if (this.role !== 'drop') this.hold(chunk.subarray(from, i + 1));
          from = i + 1;
          out.push(this.endString());
        }
        continue;
      }
      if (this.state === 'literal') {
        if ((c >= 0x30 && c <= 0x39) || (c >= 0x61 && c <= 0x7a) || c === 0x2e || c === 0x2b || c === 0x2d || (c >= 0x41 && c <= 0x5a)) continue;
        this.state = 'between';
        this.valueDone();
      }
      if (WS.has(c)) continue;
      if (c === 0x22) {
        this.startValue(true);
        this.role = this.stringRole();
        this.state = 'string';
        if (this.role !== 'pass') {
          out.push(chunk.subarray(from, i));
          from = this.role === 'drop' ? i + 1 : i;
        }
        continue;
      }
      this.structural(c);
    }
    if (this.state === 'string' && this.role !== 'pass') {
      if (this.role !== 'drop') this.hold(chunk.subarray(from));
    } else out.push(chunk.subarray(from));
    return out.length === 1 ? out[0]! : Buffer.concat(out);
  }

  end(): Buffer {
    if (this.state === 'literal') {
      this.state = 'between';
      this.valueDone();
    }
    if (this.state === 'string' || this.stack.length > 0) throw new SecretRedactError('the API server’s answer ended inside a JSON value');
    return Buffer.alloc(0);
  }

  private top(): Frame | undefined {
    return this.stack[this.stack.length - 1];
  }

  private isSecret(f: Frame | undefined): boolean {
    return f !== undefined && f.kind === 'object' && (f.secret || this.secretsPath);
  }

  private stringRole(): StringRole {
    const top = this.top();
    if (top?.kind === 'object' && top.need === 'key') return 'key';
    if (top?.redact) {
      this.dropAs = top.redact;
      return 'drop';
    }
    if (top?.kind === 'object' && this.isSecret(top) && (top.key === 'data' || top.key === 'stringData')) {
      this.dropAs = top.key === 'data' ? 'base64' : 'text';
      return 'drop';
    }
    if (top?.kind === 'object' && top.tokenStatus && top.key === 'token') {
      this.dropAs = 'text';
      return 'drop';
    }
    if (top?.kind === 'object' && top.key === 'kind') return 'kind';
    if (top?.kind === 'object' && top.secretAnnotations && top.key === LAST_APPLIED) return 'applied';
    return 'pass';
  }

  private endString(): Buffer {
    this.state = 'between';
    const role = this.role;
    this.role = 'pass';
    if (role === 'drop') {
      this.redacted++;
      this.valueDone();
      return Buffer.from(JSON.stringify(this.dropAs === 'base64' ? REDACTED_BASE64 : REDACTED));
    }
    const raw = this.held.length === 1 ? this.held[0]! : Buffer.concat(this.held, this.heldBytes);
    this.held = [];
    this.heldBytes = 0;
    let text: string;
    // a string without escapes (nearly every key) is its bytes between the quotes
    if (!raw.includes(0x5c)) text = raw.toString('utf8', 1, raw.length - 1);
    else
      try {
        text = JSON.parse(raw.toString('utf8')) as string;
      } catch {
        throw new SecretRedactError('the API server’s answer has a string that is not JSON');
      }
    const top = this.top()!;
    if (role === 'key') {
      top.key = text;
      top.need = 'colon';
      return raw;
    }
    this.valueDone();
    if (role === 'kind') {
      if (text === 'Secret') top.secret = true;
      else if (text === 'SecretList') top.secretList = true;
      else if (text === 'TokenRequest') top.tokenRequest = true;
    }
    if (role === 'applied') {
      this.redacted++;
      return Buffer.from(JSON.stringify(redactAppliedConfiguration(text)));
    }
    return raw;
  }

  private hold(piece: Buffer): void {
    if (piece.length === 0) return;
    this.heldBytes += piece.length;
    const max = this.role === 'applied' ? MAX_APPLIED : MAX_KEY;
    if (this.heldBytes > max) throw new SecretRedactError(`a JSON string of the answer is over ${max} bytes, more than hoop holds to redact Secrets`);
    this.held.push(Buffer.from(piece));
  }

  /** a value (or, in an object, a key) starts: it must be where one may be */
  private startValue(maybeKey = false): void {
    const top = this.top();
    if (!top) return;
    if (maybeKey && top.kind === 'object' && top.need === 'key') return;
    if (top.need !== 'value' && !(top.kind === 'array' && top.need === 'key'))
      throw new SecretRedactError(`the API server’s answer is not JSON (a ${top.need} expected)`);
    top.empty = false;
  }

  /** a value of the frame on top is complete: a comma or the close comes next */
  private valueDone(): void {
    const top = this.top();
    if (top) top.need = 'comma';
  }

  private structural(c: number): void {
    const top = this.top();
    if (c === 0x7b || c === 0x5b) {
      this.startValue();
      const key = top?.kind === 'object' ? top.key : null;
      const secretParent = this.isSecret(top);
      const frame: Frame = {
        kind: c === 0x7b ? 'object' : 'array',
        need: c === 0x7b ? 'key' : 'value',
        empty: true,
        key: null,
        secret: top?.kind === 'array' && top.secretItems,
        secretList: false,
        secretItems: c === 0x5b && top?.kind === 'object' && top.secretList && key === 'items',
        redact: top?.redact ?? (secretParent && key === 'data' ? 'base64' : secretParent && key === 'stringData' ? 'text' : null),
        tokenRequest: false,
        tokenStatus: top?.kind === 'object' && top.tokenRequest && key === 'status',
        secretMetadata: secretParent && key === 'metadata',
        secretAnnotations: top?.kind === 'object' && top.secretMetadata && key === 'annotations',
      };
      this.stack.push(frame);
      return;
    }
    if (c === 0x7d || c === 0x5d) {
      if (!top || top.kind !== (c === 0x7d ? 'object' : 'array') || !(top.need === 'comma' || top.empty))
        throw new SecretRedactError('the API server’s answer is not JSON (a bracket out of place)');
      this.stack.pop();
      this.valueDone();
      return;
    }
    if (c === 0x3a) {
      if (top?.kind !== 'object' || top.need !== 'colon') throw new SecretRedactError('the API server’s answer is not JSON (":" out of place)');
      top.need = 'value';
      return;
    }
    if (c === 0x2c) {
      if (top?.need !== 'comma') throw new SecretRedactError('the API server’s answer is not JSON ("," out of place)');
      top.need = top.kind === 'object' ? 'key' : 'value';
      if (top.kind === 'object') top.key = null;
      return;
    }
    if (c === 0x2d || (c >= 0x30 && c <= 0x39) || c === 0x74 || c === 0x66 || c === 0x6e) {
      this.startValue();
      this.state = 'literal';
      return;
    }
    throw new SecretRedactError(`the API server’s answer is not JSON (byte 0x${c.toString(16)})`);
  }
}

/** kubectl's copy of an applied Secret, with its values redacted; text that is not JSON is replaced whole. */
export function redactAppliedConfiguration(text: string): string {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch {
    return REDACTED;
  }
  if (!doc || typeof doc !== 'object' || Array.isArray(doc)) return REDACTED;
  const o = doc as Record<string, unknown>;
  for (const [field, value] of [
    ['data', REDACTED_BASE64],
    ['stringData', REDACTED],
  ] as const) {
    const m = o[field];
    if (m && typeof m === 'object' && !Array.isArray(m)) o[field] = Object.fromEntries(Object.keys(m).map((k) => [k, value]));
    else if (m !== undefined && m !== null) o[field] = value;
  }
  return `${JSON.stringify(o)}\n`;
}
