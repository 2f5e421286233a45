import type { PiiType } from './detectors';

/**
 * What a column's name says it holds. Names, addresses and dates of birth cannot be recognised from values, so the
 * column name is the signal; for the others it only confirms. Matching is on the name's words
 * (`customer_email`, `billingAddress`, `DOB`), not on substrings, so `email_verified` or `username` are left alone.
 */
const RULES: [PiiType, RegExp][] = [
  ['email', /^(e_?mail|email_?address|mail)$/],
  ['card', /^(card|cc|pan|card_?number|cc_?number|credit_?card(_?number)?|card_?no)$/],
  ['ssn', /^(ssn|social_?security(_?number)?|sin|national_?id|tax_?id|tin)$/],
  ['iban', /^(iban|bank_?account(_?number)?|account_?number)$/],
  ['phone', /^(phone|phone_?number|mobile|mobile_?number|cell|telephone|tel|fax|msisdn)$/],
  ['dob', /^(dob|date_?of_?birth|birth_?date|birthdate|birthday)$/],
  ['name', /^(first_?name|last_?name|full_?name|given_?name|family_?name|surname|middle_?name|maiden_?name|customer_?name|contact_?name|cardholder(_?name)?|person_?name|display_?name)$/],
  ['address', /^(address|address_?line_?\d?|street|street_?address|home_?address|billing_?address|shipping_?address|postcode|postal_?code|zip|zip_?code)$/],
  ['ip', /^(ip|ip_?address|client_?ip|remote_?addr|remote_?ip|last_?ip)$/],
  ['secret', /^(password|passwd|pwd|password_?hash|secret|client_?secret|api_?key|apikey|access_?token|refresh_?token|auth_?token|token|private_?key|passport(_?number)?|otp_?secret|totp_?secret)$/],
];

/** the PII type a column's name implies, or null */
export function columnType(name: string): PiiType | null {
  const n = name
    .replace(/([a-z0-9])([A-Z])/g, '$1_$2')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '_')
    .replace(/^_|_$/g, '');
  for (const [type, re] of RULES) if (re.test(n)) return type;
  // prefixed forms: customer_email, user_phone, billing_iban
  const last = n.split('_').slice(-1)[0] ?? '';
  for (const [type, re] of RULES) if (type !== 'name' && type !== 'secret' && re.test(last)) return type;
  return null;
}

/** Types whose text form is the value itself; the masker may put any text there. Unknown (extension) types count. */
const TEXT_OIDS = new Set([18, 19, 25, 114, 142, 705, 1042, 1043, 3802, 1009, 1015, 1014, 199, 143, 3807]);
/** Built-in types that cannot hold PII a value pattern would find (numbers too short for a card, times, booleans). */
const NEVER_PII_OIDS = new Set([16, 21, 23, 26, 700, 701, 1082, 1083, 1114, 1184, 1186, 1266, 2950, 3220, 3614, 3615, 1560, 1562, 600, 601, 602, 603, 604, 628, 718]);

export function isTextLikeType(oid: number | undefined): boolean {
  if (oid === undefined || oid === 0) return true;
  return TEXT_OIDS.has(oid) || oid >= 16384;
}

export function cannotHoldPii(oid: number | undefined): boolean {
  return oid !== undefined && NEVER_PII_OIDS.has(oid);
}
