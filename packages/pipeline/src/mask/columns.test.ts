import { describe, expect, it } from 'vitest';
import { classifyColumn, isVersionColumn, normalizeName } from './columns';
import { isTextLikeType, typeKind } from './pg-types';
import type { PiiType } from './types';

const expected: Record<PiiType, string[]> = {
  email: ['email', 'e_mail', 'E-Mail', 'emailAddress', 'EMAIL_ADDRESS', 'user_email', 'billing_email', 'emails', 'mail', 'contact_email_normalized'],
  card: ['card_number', 'cardNumber', 'cc', 'cc_number', 'ccnum', 'credit_card', 'credit_card_number', 'pan', 'payment_card_no'],
  ssn: ['ssn', 'SSN', 'ssn_last4', 'social_security_number', 'passport', 'passport_number', 'national_id', 'tax_id', 'drivers_license_number'],
  iban: ['iban', 'IBAN', 'bank_account', 'bank_account_number'],
  phone: ['phone', 'phone_number', 'phoneNumber', 'mobile', 'mobile_number', 'telephone', 'tel', 'fax', 'cell_phone', 'msisdn', 'work_phone', 'phone2'],
  ip: ['ip', 'ip_address', 'IPAddress', 'ipv4', 'ipv6', 'client_ip', 'remote_addr', 'last_login_ip'],
  aws_key: ['aws_access_key_id', 'access_key_id'],
  jwt: ['jwt', 'id_token'],
  private_key: ['private_key', 'privateKey', 'ssh_private_key', 'signing_key'],
  token: ['token', 'access_token', 'refresh_token', 'api_token', 'resetToken', 'token_hash'],
  name: [
    'first_name',
    'last_name',
    'full_name',
    'firstName',
    'LastName',
    'surname',
    'display_name',
    'middle_name',
    'customer_name',
    'cardholder_name',
    'nickname',
  ],
  address: [
    'address',
    'street',
    'street_address',
    'address_line1',
    'address_line_2',
    'postcode',
    'postal_code',
    'zip',
    'zipcode',
    'billing_address',
    'home_address',
  ],
  dob: ['dob', 'date_of_birth', 'birthdate', 'birth_date', 'birthday', 'DateOfBirth'],
  secret: ['password', 'passwd', 'password_hash', 'encrypted_password', 'secret', 'client_secret', 'api_key', 'apiKey', 'cvv', 'otp_secret', 'credentials'],
};

const notPii = [
  'id',
  'email_id',
  'email_verified',
  'email_count',
  'email_sent_at',
  'is_mobile',
  'has_phone',
  'phone_country',
  'product_name',
  'company_name',
  'file_name',
  'table_name',
  'username',
  'user_name',
  'city',
  'state',
  'country',
  'mac_address',
  'wallet_address',
  'server_address',
  'card_type',
  'card_brand',
  'password_changed_at',
  'token_count',
  'tokens',
  'max_tokens',
  'token_type',
  'created_at',
  'status',
  'plan',
  'amount',
  'ip_country',
  'secret_santa',
  'note',
  'notes',
  'description',
  'key',
  'hostname',
  'birth_country',
  '?column?',
  'street_light_count',
];

describe('column names', () => {
  for (const [type, names] of Object.entries(expected)) {
    it(`marks ${type}`, () => {
      expect(names.filter((n) => classifyColumn(n) !== type).map((n) => `${n} -> ${classifyColumn(n)}`)).toEqual([]);
    });
  }

  it('leaves other names alone', () => {
    expect(notPii.filter((n) => classifyColumn(n) !== null).map((n) => `${n} -> ${classifyColumn(n)}`)).toEqual([]);
  });

  it('decides bare `name` by the table when it is known', () => {
    // unknown table: a bare `name` is as often a product or a setting (`select name from pg_settings`)
    expect(classifyColumn('name')).toBeNull();
    for (const t of ['customers', 'public.users', 'crm_contacts', 'people', 'employees', 'patient']) expect(classifyColumn('name', t), t).toBe('name');
    for (const t of ['products', 'plans', 'public.tags', 'pg_settings', 'regions']) expect(classifyColumn('name', t), t).toBeNull();
  });

  it('normalizes case, separators and trailing digits', () => {
    expect(normalizeName('firstName')).toBe('first_name');
    expect(normalizeName('IPAddress')).toBe('ip_address');
    expect(normalizeName('address_line_2')).toBe('address_line');
    expect(normalizeName('ipv6')).toBe('ipv6');
  });

  it('knows version columns', () => {
    for (const n of ['version', 'app_version', 'osVersion', 'build', 'release']) expect(isVersionColumn(n), n).toBe(true);
    for (const n of ['ip', 'notes', 'versions_table_id']) expect(isVersionColumn(n), n).toBe(false);
  });
});

describe('type OIDs', () => {
  it('text-like: text, varchar, bpchar, name, json, jsonb, xml, unknown, and any OID not known (citext, enums)', () => {
    for (const oid of [25, 1043, 1042, 19, 114, 3802, 142, 705, 16_412, 99_999]) expect(isTextLikeType(oid), String(oid)).toBe(true);
  });

  it('not text-like: numbers, dates, bool, uuid, inet, bytea, arrays', () => {
    for (const oid of [16, 17, 20, 21, 23, 700, 701, 1700, 1082, 1114, 1184, 2950, 869, 1009, 1007]) expect(isTextLikeType(oid), String(oid)).toBe(false);
    expect(typeKind(undefined)).toBe('text');
    expect(typeKind(869)).toBe('inet');
  });
});
