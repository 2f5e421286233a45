import { describe, expect, it } from 'vitest';
import { localInfileNames } from './local-infile';
import { hasPrepareStatement } from './sql-tokens';

describe('the files a statement names for LOAD DATA LOCAL INFILE', () => {
  it.each([
    ["LOAD DATA LOCAL INFILE '/tmp/a.csv' INTO TABLE t", ['/tmp/a.csv']],
    ['load data low_priority local infile "/tmp/b.csv" into table t', ['/tmp/b.csv']],
    ["LOAD XML LOCAL INFILE 'c.xml' INTO TABLE t", ['c.xml']],
    ["LOAD DATA LOCAL /* a comment */ INFILE 'd.csv' INTO TABLE t", ['d.csv']],
    ["LOAD DATA /*!50000 LOCAL INFILE 'e.csv' */ INTO TABLE t", ['e.csv']],
    ["LOAD DATA LOCAL INFILE 'it''s\\\\here\\'.csv' INTO TABLE t", ["it's\\here'.csv"]],
    ["SELECT 1; LOAD DATA LOCAL INFILE 'f.csv' INTO TABLE t; LOAD DATA LOCAL INFILE 'g.csv' INTO TABLE u", ['f.csv', 'g.csv']],
  ])('%s', (sql, names) => {
    expect(localInfileNames(sql)).toEqual(names);
  });

  it.each([
    // what only looks like one: a comment, a string, a server-side file, another word in between
    "SELECT 'LOCAL INFILE' , '/etc/passwd'",
    "-- LOAD DATA LOCAL INFILE '/etc/passwd'\nSELECT 1",
    "# LOCAL INFILE '/etc/passwd'\nSELECT 1",
    "/* LOCAL INFILE '/etc/passwd' */ SELECT 1",
    "LOAD DATA INFILE '/etc/passwd' INTO TABLE t",
    "SELECT `LOCAL` , INFILE , '/etc/passwd'",
    "SELECT * FROM t WHERE local = 1 AND infile = '/etc/passwd'",
  ])('none in %s', (sql) => {
    expect(localInfileNames(sql)).toEqual([]);
  });
});

describe('a SQL PREPARE in a text', () => {
  it.each([
    "PREPARE s FROM 'UPDATE payouts SET amount = 0'",
    "SET @q = 'x'; prepare s from @q",
    "/*!50000 PREPARE s FROM 'DELETE FROM t' */",
    "SELECT 1;\n  Prepare `s` FROM 'x'",
    "BEGIN NOT ATOMIC PREPARE s FROM 'UPDATE payouts SET amount = 0'; EXECUTE s; END",
    'IF 1 THEN prepare s from @q; END IF',
  ])('found in %s', (sql) => expect(hasPrepareStatement(sql)).toBe(true));

  it.each(["SELECT 'PREPARE s FROM x'", '-- PREPARE s\nSELECT 1', 'SELECT prepare FROM t', 'EXECUTE s', 'DEALLOCATE PREPARE s', "SELECT 'PREPARE s FROM'"])(
    'none in %s',
    (sql) => expect(hasPrepareStatement(sql)).toBe(false),
  );
});
