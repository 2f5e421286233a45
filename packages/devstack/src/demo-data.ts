/** Fake but realistic customer rows for the demo target database: every kind of PII the masking layer knows. */

const FIRST = ['Alice', 'Bob', 'Carla', 'Dmitri', 'Elena', 'Farid', 'Grace', 'Hiro', 'Ines', 'Jonas', 'Keiko', 'Liam', 'Maya', 'Nils', 'Olga', 'Pedro'];
const LAST = ['Martin', 'Nguyen', 'Okafor', 'Schmidt', 'Rossi', 'Kowalski', 'Dubois', 'Tanaka', 'Silva', 'Jensen', 'Haddad', 'Moreau'];
const STREETS = ['Baker Street', 'Rue de Rivoli', 'Hauptstraße', 'Elm Avenue', 'Calle Mayor', 'Via Roma'];
const CITIES = ['London', 'Paris', 'Berlin', 'Springfield', 'Madrid', 'Rome'];
const DOMAINS = ['example.com', 'mail.example.org', 'corp.example.net', 'example.io'];
const CARD_PREFIXES = ['4111', '5500', '3400', '6011', '4000', '2221'];

function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function luhnComplete(partial: string): string {
  let sum = 0;
  for (let i = 0; i < partial.length; i++) {
    let d = Number(partial[partial.length - 1 - i]);
    if (i % 2 === 0) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
  }
  return partial + String((10 - (sum % 10)) % 10);
}

function ibanDE(r: () => number): string {
  const bban = Array.from({ length: 18 }, () => Math.floor(r() * 10)).join('');
  const rearranged = `${bban}131400`; // D=13 E=14 00
  let rem = 0;
  for (const ch of rearranged) rem = (rem * 10 + Number(ch)) % 97;
  const check = String(98 - rem).padStart(2, '0');
  return `DE${check}${bban}`;
}

export interface DemoCustomer {
  full_name: string;
  email: string;
  phone: string;
  card_number: string;
  ssn: string;
  iban: string;
  address: string;
  date_of_birth: string;
  ip_address: string;
  notes: string;
  plan: string;
  balance_cents: number;
}

export function demoCustomers(count: number, seed = 42): DemoCustomer[] {
  const r = rng(seed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(r() * xs.length)] as T;
  const digits = (n: number) => Array.from({ length: n }, () => Math.floor(r() * 10)).join('');
  const rows: DemoCustomer[] = [];
  for (let i = 0; i < count; i++) {
    const first = pick(FIRST);
    const last = pick(LAST);
    const prefix = pick(CARD_PREFIXES);
    const len = prefix.startsWith('34') ? 15 : 16;
    const card = luhnComplete(prefix + digits(len - prefix.length - 1));
    const email = `${first}.${last}${i}@${pick(DOMAINS)}`.toLowerCase();
    const ssn = `${100 + Math.floor(r() * 560)}-${10 + Math.floor(r() * 89)}-${1000 + Math.floor(r() * 8999)}`;
    const phone = `+1 415 555 ${String(1000 + Math.floor(r() * 8999))}`;
    rows.push({
      full_name: `${first} ${last}`,
      email,
      phone,
      card_number: card.replace(/(\d{4})(?=\d)/g, '$1 '),
      ssn,
      iban: ibanDE(r),
      address: `${1 + Math.floor(r() * 200)} ${pick(STREETS)}, ${pick(CITIES)}`,
      date_of_birth: `${1950 + Math.floor(r() * 50)}-${String(1 + Math.floor(r() * 12)).padStart(2, '0')}-${String(1 + Math.floor(r() * 28)).padStart(2, '0')}`,
      ip_address: `${10 + Math.floor(r() * 200)}.${Math.floor(r() * 255)}.${Math.floor(r() * 255)}.${1 + Math.floor(r() * 254)}`,
      notes:
        i % 3 === 0
          ? `refund ${card} requested by ${email}`
          : i % 3 === 1
            ? `called from ${phone} about order #${digits(8)}`
            : `plan upgraded on 2026-0${1 + (i % 9)}-1${i % 10}`,
      plan: pick(['free', 'pro', 'team', 'enterprise']),
      balance_cents: Math.floor(r() * 1_000_000),
    });
  }
  return rows;
}
