import { describe, expect, it } from 'vitest';
import { md5Password, ScramSha256Client } from './auth';

describe('SCRAM-SHA-256 client', () => {
  it('matches the RFC 7677 test vector', () => {
    const c = new ScramSha256Client('user', 'pencil', 'rOprNGfwEbeRWgbNEkqO');
    expect(c.clientFirst().data.toString()).toBe('n,,n=user,r=rOprNGfwEbeRWgbNEkqO');
    const final = c.serverFirst(Buffer.from('r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096'));
    expect(final.toString()).toBe('c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=');
    expect(() => c.serverFinal(Buffer.from('v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4='))).not.toThrow();
  });

  it('refuses a server that does not prove it knows the password, or tampers with the nonce', () => {
    const c = new ScramSha256Client('user', 'pencil', 'rOprNGfwEbeRWgbNEkqO');
    c.clientFirst();
    c.serverFirst(Buffer.from('r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096'));
    expect(() => c.serverFinal(Buffer.from('v=AAAATRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4='))).toThrow(/signature does not match/);
    const d = new ScramSha256Client('user', 'pencil', 'abc');
    d.clientFirst();
    expect(() => d.serverFirst(Buffer.from('r=xyz123,s=c2FsdA==,i=4096'))).toThrow(/nonce/);
  });

  it('derives the key off the event loop with the same answer, so a server asking for many iterations stalls nothing', async () => {
    const serverFirst = Buffer.from('r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096');
    const c = new ScramSha256Client('user', 'pencil', 'rOprNGfwEbeRWgbNEkqO');
    c.clientFirst();
    expect((await c.serverFirstAsync(serverFirst)).toString()).toBe(
      'c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=',
    );
    expect(() => c.serverFinal(Buffer.from('v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4='))).not.toThrow();

    const slow = new ScramSha256Client('user', 'pencil', 'abc');
    slow.clientFirst();
    let ticks = 0;
    const ticker = setInterval(() => ticks++, 5);
    await slow.serverFirstAsync(Buffer.from('r=abcdef,s=c2FsdA==,i=2000000'));
    clearInterval(ticker);
    // two million iterations take a second or more; the timer kept firing meanwhile
    expect(ticks).toBeGreaterThan(10);
    await expect(slow.serverFirstAsync(Buffer.from('r=abcdef,s=c2FsdA==,i=20000000'))).rejects.toThrow(/unreasonably high/);
  });
});

describe('md5 password', () => {
  it('is md5(md5(password + user) + salt), as libpq sends it', () => {
    // computed with md5sum: inner=$(printf secretalice | md5sum); printf "$inner\x01\x02\x03\x04" | md5sum
    expect(md5Password('alice', 'secret', Buffer.from([1, 2, 3, 4]))).toBe('md598a0412b9c31436fc53776e863350083');
    expect(md5Password('alice', 'secret', Buffer.from([1, 2, 3, 4]))).not.toBe(md5Password('alice', 'secret', Buffer.from([1, 2, 3, 5])));
  });
});
