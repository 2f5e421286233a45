/**
 * What a column's name and type say about its values.
 *
 * Names are normalized (`firstName`, `FIRST_NAME`, `first-name` → `first_name`; trailing digits dropped, so
 * `address_line1` → `address_line`) and matched on their head noun, the last word: `user_email` holds an e-mail,
 * `email_verified` and `email_count` do not. Flags (`is_mobile`, `has_phone`) and references (`email_id`) never match.
 *
 * Decisions:
 * - `name` alone is a person's name only when the table is known to be about people (`customers.name`, not `products.name`,
 *   `plans.name`); `product_name`, `company_name`, `file_name` are not person names. `username`/`login` are account
 *   handles, not names, and are left alone.
 * - addresses are street, address lines and postcodes; `city`, `state` and `country` alone identify no one and are
 *   left alone; `ip_address` is an IP, `mac_address`/`wallet_address`/`server_address` are not postal addresses.
 * - passport, national id, tax id and driving licence numbers are reported as `ssn` (government identity numbers).
 * - columns named like a version (`version`, `app_version`, `build`, `release`) are not searched for IPv4 addresses.
 */
import type { PiiType } from './types';

const KEEP_DIGITS = new Set(['ipv4', 'ipv6', 'e164', 'cvv2', 'cvc2', 'x509']);

export function normalizeName(name: string): string {
  return name
    .replace(/([a-z0-9])([A-Z])/g, '$1_$2')
    .replace(/([A-Z]+)([A-Z][a-z])/g, '$1_$2')
    .toLowerCase()
    .split(/[^a-z0-9]+/)
    .map((w) => (KEEP_DIGITS.has(w) ? w : w.replace(/\d+$/, '')))
    .filter((w) => w.length > 0)
    .join('_');
}

const SUFFIX = '(?:_(?:hash|hashed|digest|enc|encrypted|cipher|ciphertext|plain|plaintext|raw|value|text|str|string))?$';
const rule = (body: string, suffix = SUFFIX) => new RegExp(`(?:^|_)(?:${body})${suffix}`);

const NOT_POSTAL = new RegExp(
  '(?:^|_)(?:mac|wallet|web|url|server|bind|host|listen|network|net|contract|memory|mem|base|return|btc|eth|bitcoin|ethereum|crypto|deposit|' +
    'node|peer|proxy|gateway|broadcast|multicast|local|link|endpoint|callback|redirect|reply_to|from|to|sender|recipient)_(?:address|addr)$',
);

const RULES: readonly (readonly [PiiType, RegExp])[] = [
  ['private_key', rule('private_key|priv_key|signing_key|ssh_private_key|private_key_pem|tls_key|ssl_key')],
  ['aws_key', rule('aws_access_key(?:_id)?|access_key_id')],
  ['jwt', rule('jwt|id_token|jwt_token')],
  ['token', rule('token|bearer|bearer_token')],
  [
    'secret',
    rule(
      'password|passwd|pwd|passphrase|pass_phrase|secret|api_?key|apikey|secret_?key|access_?key|encryption_key|master_key|' +
        'client_secret|credentials?|cvv2?|cvc2?|card_cvv|security_code|otp|otp_secret|totp|totp_secret|mfa_secret|' +
        'recovery_codes?|backup_codes?|security_answer|secret_answer|connection_string|database_url|dsn',
    ),
  ],
  ['email', rule('(?:e_?mail|mail)s?(?:_(?:address(?:es)?|addr))?(?:_(?:lower|lowercase|normalized|canonical))?')],
  ['ip', rule('ip(?:v4|v6)?(?:_addr(?:ess)?)?|(?:remote|client|peer|source|src|origin)_addr(?:ess)?|x_forwarded_for|forwarded_for|last_login_ip|sign_in_ip')],
  [
    'phone',
    rule(
      '(?:phone|telephone|tel|mobile|mobile_phone|cellphone|cell_phone|cell_number|fax|msisdn|whatsapp|contact_number)s?' +
        '(?:_(?:number|num|no|nr|e164|intl|international|national))?',
    ),
  ],
  [
    'card',
    rule(
      '(?:credit_?|debit_?|payment_?|bank_?)?card_?(?:number|num|no|nr|pan)|credit_?card|debit_?card|' +
        'cc(?:_?(?:number|num|no|nr))?|ccn|pan|primary_account_number',
    ),
  ],
  [
    'ssn',
    rule(
      'ssn|social_security(?:_number|_no|_num)?|social_insurance_number|national_insurance(?:_number|_no)?|nino|' +
        'national_id(?:_number|_no)?|tax_id|taxpayer_id|tax_number|passport(?:_number|_no|_num|_nr)?|' +
        'drivers?_licen[cs]e(?:_number|_no)?|driving_licen[cs]e(?:_number|_no)?|id_card_number|personal_id(?:_number)?|' +
        'personnummer|cpf|aadhaar',
      '(?:_(?:last|last_four|raw|plain|enc|encrypted|hash))?$',
    ),
  ],
  ['iban', rule('iban|bban|bank_account(?:_number|_no|_num)?|account_iban')],
  ['dob', rule('dob|d_o_b|date_of_birth|birth_?date|birthday|birth_day|born_on|birth_dt')],
  [
    'address',
    rule('address(?:_line|_full)?|addr|street|street_address|street_name|street_line|address_line|postcode|post_code|postal_code|zip|zipcode|zip_code'),
  ],
  [
    'name',
    rule(
      '(?:first|last|full|given|family|middle|maiden|legal|preferred|sur|fore|nick|display|real|contact|customer|person|' +
        'patient|employee|holder|cardholder|card_holder|account_holder|billing|shipping|recipient|sender|owner|member|' +
        'client|guardian|parent|spouse|emergency_contact|beneficiary|student|applicant|candidate|passenger|guest|signer|traveler)_?names?|fname|lname|mname',
    ),
  ],
];

const FLAG_PREFIX = /^(?:is|has|can|should|allow|allows|enable|enabled|use|uses|needs|show|hide|send|sent|num|count|n|total)_/;
const NOT_VALUE = new RegExp(
  '(?:(?<!national|tax|taxpayer|personal|access_key)_id|_(?:ids|uuid|count|at|on|type|kind|status|state|verified|confirmed|enabled|valid|flag|' +
    'length|len|format|source|provider|domain|country|region|hint|policy|expires|expiry|exp|ttl|version|changed|updated|created|sent|set|' +
    'required|visible|public))$',
);
const VERSION = /(?:^|_)(?:version|ver|semver|build|release|revision|rev|firmware|fw)(?:_(?:number|num|no|string|str|name|id))?$/;

/** The PII type a column's name marks, or null. `table` (`customers`, `public.customers`) disambiguates `name`. */
export function classifyColumn(name: string, table?: string): PiiType | null {
  const n = normalizeName(name);
  // a bare `name` is as often a product, a setting or a catalog entry as a person: only a people table says which
  if (n === 'name' || n === 'names') return table !== undefined && isPersonTable(table) ? 'name' : null;
  return classifyNormalized(n);
}

/** Like `classifyColumn` for a normalized name other than bare `name`. */
export function classifyNormalized(n: string): PiiType | null {
  if (n.length === 0 || FLAG_PREFIX.test(n) || NOT_VALUE.test(n)) return null;
  for (const [type, re] of RULES) {
    if (!re.test(n)) continue;
    if (type === 'address' && NOT_POSTAL.test(n)) return null;
    return type;
  }
  return null;
}

export function isVersionColumn(name: string): boolean {
  return VERSION.test(normalizeName(name));
}

const PERSON = new Set(
  (
    'customer user person people member employee staff contact patient client account profile student author ' +
    'subscriber lead applicant candidate driver passenger guest recipient beneficiary buyer seller volunteer donor ' +
    'teacher doctor physician signer signatory traveler traveller visitor respondent participant attendee investor ' +
    'shareholder cardholder holder borrower resident citizen worker owner admin friend reviewer requester approver ' +
    'assignee rider renter guardian parent child kid family spouse individual payee payer sender shopper consumer ' +
    'prospect caller learner tenant_user identity login signup registration'
  ).split(' '),
);

/** Whether a table (or JSON parent key) names people: `customers`, `public.users`, `crm_contacts`, `people`. */
export function isPersonTable(table: string): boolean {
  const bare = table.slice(table.lastIndexOf('.') + 1);
  return normalizeName(bare)
    .split('_')
    .some((w) => PERSON.has(singular(w)));
}

function singular(w: string): string {
  if (w === 'people') return 'people';
  if (w.endsWith('ies') && w.length > 4) return `${w.slice(0, -3)}y`;
  if (w.endsWith('ses') || w.endsWith('xes')) return w.slice(0, -2);
  if (w.endsWith('s') && !w.endsWith('ss')) return w.slice(0, -1);
  return w;
}
