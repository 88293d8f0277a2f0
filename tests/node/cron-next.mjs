// The independent oracle for schedules: for each [expression, after_ms] on stdin (a JSON list),
// cron-parser's next time in UTC strictly after after_ms, in milliseconds, or {"error": message}.
import { readFileSync } from "node:fs";
import parser from "cron-parser";

const cases = JSON.parse(readFileSync(0, "utf8"));
const out = cases.map(([expr, after]) => {
  try {
    return parser.parseExpression(expr, { currentDate: new Date(after), utc: true }).next().getTime();
  } catch (e) {
    return { error: e.message };
  }
});
console.log(JSON.stringify(out));
