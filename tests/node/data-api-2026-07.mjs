// The July 2026 Data API (long polling, ListSessions, ExecutionMode) against rsx-emulator,
// through AWS's own JavaScript client (@aws-sdk/client-redshift-data, which knows the new
// members). Run by tests/emulator/test_long_polling.py with:
//   RSX_URL, AWS_REGION, RSX_WORKGROUP, RSX_DATABASE, RSX_WAIT_LIMIT and two credential sets of
//   the same role from two AssumeRole calls: RSX_CREDS_A, RSX_CREDS_B (JSON {k, s, t}).
// Prints one line per check and exits 1 when any failed.
import assert from "node:assert/strict";
import {
  RedshiftDataClient, ExecuteStatementCommand, BatchExecuteStatementCommand,
  DescribeStatementCommand, GetStatementResultCommand, GetStatementResultV2Command,
  CancelStatementCommand, ListSessionsCommand,
} from "@aws-sdk/client-redshift-data";

const env = process.env;
const target = { WorkgroupName: env.RSX_WORKGROUP, Database: env.RSX_DATABASE };
const client = (which) => {
  const c = JSON.parse(env[which]);
  return new RedshiftDataClient({
    endpoint: env.RSX_URL, region: env.AWS_REGION, maxAttempts: 1,
    credentials: { accessKeyId: c.k, secretAccessKey: c.s, sessionToken: c.t },
  });
};
const a = client("RSX_CREDS_A");
const b = client("RSX_CREDS_B");
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const RUNNING = ["SUBMITTED", "PICKED", "STARTED"];

async function timed(promise) {
  const t0 = performance.now();
  const out = await promise;
  return [out, (performance.now() - t0) / 1000];
}
async function error(promise) {
  try {
    await promise;
  } catch (e) {
    return e;
  }
  assert.fail("expected an error");
}
async function run(sql, extra = {}) {
  return a.send(new ExecuteStatementCommand({ ...target, Sql: sql, ...extra }));
}
async function finished(id) {
  for (let i = 0; i < 400; i++) {
    const d = await a.send(new DescribeStatementCommand({ Id: id }));
    if (!RUNNING.includes(d.Status)) return d;
    await sleep(25);
  }
  assert.fail("statement " + id + " did not finish");
}

const checks = [];
const check = (name, fn) => checks.push([name, fn]);

// ExecuteStatement and BatchExecuteStatement: the three cases, and the new output members.
for (const batch of [false, true]) {
  const op = batch ? "BatchExecuteStatement" : "ExecuteStatement";
  const send = (sql, extra) => batch
    ? a.send(new BatchExecuteStatementCommand({ ...target, Sqls: [sql], ...extra }))
    : a.send(new ExecuteStatementCommand({ ...target, Sql: sql, ...extra }));
  check(`${op}: finishes within the wait`, async () => {
    const token = crypto.randomUUID();
    const [r, secs] = await timed(send("select pg_sleep(0.5), 1 as x",
      { WaitTimeSeconds: 10, ClientToken: token }));
    assert.equal(r.Status, "FINISHED");
    assert.equal(r.HasResultSet, true);
    assert.ok(r.RedshiftPid > 0, "RedshiftPid " + r.RedshiftPid);
    assert.ok(secs >= 0.45 && secs < 5, "answered after " + secs + " s");
    // Already finished: the same ClientToken names the same statement, answered at once.
    const [again, secs2] = await timed(send("select pg_sleep(0.5), 1 as x",
      { WaitTimeSeconds: 10, ClientToken: token }));
    assert.equal(again.Id, r.Id);
    assert.equal(again.Status, "FINISHED");
    assert.ok(secs2 < 1.5, "a finished statement waited " + secs2 + " s");
  });
  check(`${op}: still running when the wait runs out`, async () => {
    const [r, secs] = await timed(send("select pg_sleep(6)", { WaitTimeSeconds: 1 }));
    assert.ok(RUNNING.includes(r.Status), "status " + r.Status);
    assert.ok(secs >= 0.95 && secs < 4, "answered after " + secs + " s");
    await a.send(new CancelStatementCommand({ Id: r.Id }));
  });
  check(`${op}: without WaitTimeSeconds nothing changes`, async () => {
    const r = await send("select 1", {});
    assert.equal(r.Status, undefined);
    assert.equal(r.HasResultSet, undefined);
    await finished(r.Id);
  });
}

check("DescribeStatement: the three cases", async () => {
  const { Id } = await run("select pg_sleep(1)");
  const [d, secs] = await timed(a.send(new DescribeStatementCommand({ Id, WaitTimeSeconds: 10 })));
  assert.equal(d.Status, "FINISHED");
  assert.ok(secs >= 0.5 && secs < 3, "answered after " + secs + " s");
  const [again, secs2] = await timed(a.send(new DescribeStatementCommand({ Id, WaitTimeSeconds: 10 })));
  assert.equal(again.Status, "FINISHED");
  assert.ok(secs2 < 1.5, "a finished statement waited " + secs2 + " s");
  const slow = await run("select pg_sleep(6)");
  const [mid, secs3] = await timed(a.send(new DescribeStatementCommand({ Id: slow.Id, WaitTimeSeconds: 1 })));
  assert.ok(RUNNING.includes(mid.Status), "status " + mid.Status);
  assert.ok(secs3 >= 0.95 && secs3 < 4, "answered after " + secs3 + " s");
  await a.send(new CancelStatementCommand({ Id: slow.Id }));
});

for (const v2 of [false, true]) {
  const op = v2 ? "GetStatementResultV2" : "GetStatementResult";
  const Command = v2 ? GetStatementResultV2Command : GetStatementResultCommand;
  const fmt = v2 ? { ResultFormat: "CSV" } : {};
  const value = (r) => v2 ? r.Records[0].CSVRecords.trim() : String(r.Records[0][1].longValue);
  check(`${op}: waits for the statement, then the first page`, async () => {
    const { Id } = await run("select pg_sleep(1), 42 as x", fmt);
    const [r, secs] = await timed(a.send(new Command({ Id, WaitTimeSeconds: 10 })));
    assert.ok(value(r).endsWith("42"), "records " + JSON.stringify(r.Records));
    assert.equal(r.TotalNumRows, 1);
    assert.ok(secs >= 0.5 && secs < 4, "answered after " + secs + " s");
    const [again, secs2] = await timed(a.send(new Command({ Id, WaitTimeSeconds: 10 })));
    assert.ok(value(again).endsWith("42"));
    assert.ok(secs2 < 1.5, "a finished statement waited " + secs2 + " s");
  });
  check(`${op}: still running when the wait runs out`, async () => {
    const { Id } = await run("select pg_sleep(6), 1 as x", fmt);
    const [e, secs] = await timed(error(a.send(new Command({ Id, WaitTimeSeconds: 1 }))));
    assert.equal(e.name, "ValidationException");
    assert.match(e.message, /not finished/);
    assert.ok(secs >= 0.95 && secs < 4, "answered after " + secs + " s");
    await a.send(new CancelStatementCommand({ Id }));
  });
}

check("WaitTimeSeconds 0 and 31 are refused on all five operations", async () => {
  const { Id } = await run("select 1");
  await finished(Id);
  for (const w of [0, 31]) {
    const calls = [
      () => a.send(new ExecuteStatementCommand({ ...target, Sql: "select 1", WaitTimeSeconds: w })),
      () => a.send(new BatchExecuteStatementCommand({ ...target, Sqls: ["select 1"], WaitTimeSeconds: w })),
      () => a.send(new DescribeStatementCommand({ Id, WaitTimeSeconds: w })),
      () => a.send(new GetStatementResultCommand({ Id, WaitTimeSeconds: w })),
      () => a.send(new GetStatementResultV2Command({ Id, WaitTimeSeconds: w })),
    ];
    for (const c of calls) {
      const e = await error(c());
      assert.equal(e.name, "ValidationException");
      assert.match(e.message, /waitTimeSeconds/);
    }
  }
});

check("ActiveWaitingRequestsExceededException past the limit", async () => {
  const limit = Number(env.RSX_WAIT_LIMIT);
  const { Id } = await run("select pg_sleep(6)");
  const waiting = [];
  for (let i = 0; i < limit; i++)
    waiting.push(a.send(new DescribeStatementCommand({ Id, WaitTimeSeconds: 20 })));
  await sleep(500);
  const e = await error(a.send(new DescribeStatementCommand({ Id, WaitTimeSeconds: 20 })));
  assert.equal(e.name, "ActiveWaitingRequestsExceededException");
  // Without a wait, the same statement still answers.
  const d = await a.send(new DescribeStatementCommand({ Id }));
  assert.ok(RUNNING.includes(d.Status));
  for (const w of await Promise.all(waiting)) assert.equal(w.Status, "FINISHED");
});

check("a cancel ends a waiting DescribeStatement at once", async () => {
  const { Id } = await run("select pg_sleep(30)");
  const t0 = performance.now();
  const pending = a.send(new DescribeStatementCommand({ Id, WaitTimeSeconds: 25 }));
  await sleep(700);
  const tc = performance.now();
  await a.send(new CancelStatementCommand({ Id }));
  const d = await pending;
  const after = (performance.now() - tc) / 1000;
  assert.equal(d.Status, "ABORTED");
  assert.ok(after < 2, "the wait ended " + after + " s after the cancel");
  assert.ok((performance.now() - t0) / 1000 < 5);
});

check("AUTO_COMMIT keeps what the first statement did; TRANSACTION rolls it back", async () => {
  for (const mode of ["TRANSACTION", "AUTO_COMMIT"]) {
    const table = "mode_" + mode.toLowerCase();
    const made = await run(`create table ${table} (x int)`, { WaitTimeSeconds: 10 });
    assert.equal(made.Status, "FINISHED");
    const r = await a.send(new BatchExecuteStatementCommand({
      ...target, ExecutionMode: mode, WaitTimeSeconds: 10,
      Sqls: [`insert into ${table} values (:v)`, `insert into ${table} values (1/0)`,
        `insert into ${table} values (3)`],
      Parameters: [{ name: "v", value: "7" }],
    }));
    assert.equal(r.Status, "FAILED");
    const d = await a.send(new DescribeStatementCommand({ Id: r.Id }));
    assert.equal(d.ExecutionMode, mode);
    assert.equal(d.SubStatements.length, 3);
    assert.equal(d.SubStatements[1].Status, "FAILED");
    assert.match(d.SubStatements[1].Error, /division by zero/);
    assert.match(d.SubStatements[0].RedshiftQueryUuid, /^[0-9a-f-]{36}$/);
    const count = await run(`select count(*) as n, coalesce(sum(x), 0) as s from ${table}`, { WaitTimeSeconds: 10 });
    const rows = await a.send(new GetStatementResultCommand({ Id: count.Id }));
    const [n, s] = [rows.Records[0][0].longValue, rows.Records[0][1].longValue];
    if (mode === "AUTO_COMMIT") assert.deepEqual([n, s], [1, 7]);
    else assert.deepEqual([n, s], [0, 0]);
  }
});

check("ListSessions: filters, RoleLevel, pagination, BUSY and CLOSED", async () => {
  const open = async (c, keep) => (await c.send(new ExecuteStatementCommand({
    ...target, Sql: "select 1", SessionKeepAliveSeconds: keep, WaitTimeSeconds: 10,
  }))).SessionId;
  const mine = [await open(a, 600), await open(a, 600), await open(a, 600)];
  const other = await open(b, 600);  // same role, another IAM session
  const short = await open(a, 1);
  const list = async (c, input) => c.send(new ListSessionsCommand(input));
  // Pagination: MaxResults 2 over every open session of the role.
  const seen = [];
  let token, pages = 0;
  do {
    const p = await list(a, { MaxResults: 2, NextToken: token });
    assert.ok(p.Sessions.length <= 2);
    seen.push(...p.Sessions.map((s) => s.SessionId));
    token = p.NextToken;
    pages++;
  } while (token);
  for (const id of [...mine, other]) assert.ok(seen.includes(id), id + " missing");
  assert.equal(new Set(seen).size, seen.length, "a session listed twice");
  assert.ok(pages >= 3, pages + " pages");
  // RoleLevel false: only this IAM session's.
  const own = (await list(a, { RoleLevel: false })).Sessions.map((s) => s.SessionId);
  assert.ok(!own.includes(other) && mine.every((id) => own.includes(id)));
  const byB = (await list(b, {})).Sessions.map((s) => s.SessionId);
  assert.ok(byB.includes(mine[0]), "RoleLevel defaults to true");
  // Filters.
  assert.equal((await list(a, { Database: "no_such_db" })).Sessions.length, 0);
  const wg = (await list(a, { WorkgroupName: env.RSX_WORKGROUP, Database: env.RSX_DATABASE }));
  assert.ok(mine.every((id) => wg.Sessions.some((s) => s.SessionId === id)));
  const one = (await list(a, { SessionId: mine[1] })).Sessions;
  assert.equal(one.length, 1);
  const s = one[0];
  assert.equal(s.Status, "AVAILABLE");
  assert.equal(s.SessionAliveSeconds, 600);
  assert.equal(s.Database, env.RSX_DATABASE);
  assert.match(s.DbUser, /^IAMR:/);
  assert.ok(s.SessionTtl instanceof Date && s.CreatedAt instanceof Date && s.CurrentStatementId);
  const both = await error(list(a, { SessionId: mine[1], Status: "AVAILABLE" }));
  assert.equal(both.name, "ValidationException");
  // BUSY while a statement runs in it.
  const busy = await a.send(new ExecuteStatementCommand({ Sql: "select pg_sleep(2)", SessionId: mine[2] }));
  await sleep(300);
  const b1 = (await list(a, { Status: "BUSY" })).Sessions;
  assert.ok(b1.some((x) => x.SessionId === mine[2] && x.CurrentStatementId === busy.Id));
  await finished(busy.Id);
  // CLOSED after SessionKeepAliveSeconds idle: out of the default listing, in Status CLOSED.
  await sleep(1500);
  const dflt = (await list(a, {})).Sessions.map((x) => x.SessionId);
  assert.ok(!dflt.includes(short), "a closed session in the default listing");
  const closed = (await list(a, { Status: "CLOSED" })).Sessions.map((x) => x.SessionId);
  assert.ok(closed.includes(short));
  const reuse = await error(a.send(new ExecuteStatementCommand({ Sql: "select 1", SessionId: short })));
  assert.equal(reuse.name, "ValidationException");
});

let failed = 0;
for (const [name, fn] of checks) {
  try {
    await fn();
    console.log("ok   " + name);
  } catch (e) {
    failed++;
    console.log("FAIL " + name + ": " + (e.stack || e));
  }
}
console.log(`${checks.length - failed} of ${checks.length} checks passed`);
process.exit(failed ? 1 : 0);
