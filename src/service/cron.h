#pragma once
// Schedules of the service: 5-field cron expressions in UTC (minute hour day-of-month month
// day-of-week), with *, lists, ranges, steps and the names JAN-DEC / SUN-SAT. As in cron,
// when both day fields are restricted a day matches either one.

#include <bitset>
#include <cstdint>
#include <optional>
#include <string>

#include "rsx/result.h"

namespace rsx::service {

struct CronSchedule {
  std::bitset<60> minute;
  std::bitset<24> hour;
  std::bitset<32> day_of_month;  // 1..31
  std::bitset<13> month;         // 1..12
  std::bitset<7> day_of_week;    // 0..6, Sunday = 0 (7 is read as 0)
  bool dom_any = true, dow_any = true;
};

// kInvalidArgument naming the field ("cron: hour: 24 is out of range 0-23").
Result<CronSchedule> ParseCron(const std::string& expr);

// The first minute strictly after `after` (Unix seconds, UTC) the schedule matches; nullopt
// when none comes within 5 years (e.g. "0 0 31 2 *").
std::optional<int64_t> NextCronTime(const CronSchedule& schedule, int64_t after);

// Days since 1970-01-01 <-> civil date (proleptic Gregorian).
int64_t DaysFromCivil(int64_t y, unsigned m, unsigned d);
void CivilFromDays(int64_t z, int64_t* y, unsigned* m, unsigned* d);

}  // namespace rsx::service
