#include "service/cron.h"

#include <cctype>
#include <cstdlib>
#include <vector>

#include "rsx/strings.h"

namespace rsx::service {
namespace {

struct Field {
  const char* name;
  int lo, hi;
  const char* const* names;  // names for lo.. (nullptr: numbers only)
  int name_base;
};

const char* const kMonths[] = {"JAN", "FEB", "MAR", "APR", "MAY", "JUN",  "JUL",
                               "AUG", "SEP", "OCT", "NOV", "DEC", nullptr};
const char* const kDays[] = {"SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT", nullptr};

Status FieldError(const Field& f, const std::string& what) {
  return Status::InvalidArgument("cron: " + std::string(f.name) + ": " + what);
}

Result<int> Number(const Field& f, const std::string& text) {
  if (text.empty()) return FieldError(f, "a number is missing");
  if (f.names && std::isalpha(static_cast<unsigned char>(text[0]))) {
    std::string up;
    for (char c : text) up += static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    for (int i = 0; f.names[i]; ++i)
      if (up == f.names[i]) return f.name_base + i;
    return FieldError(f, "\"" + text + "\" is not a name this field takes");
  }
  if (text.size() > 4)
    return FieldError(
        f, "\"" + text + "\" is out of range " + std::to_string(f.lo) + "-" + std::to_string(f.hi));
  for (char c : text)
    if (!std::isdigit(static_cast<unsigned char>(c)))
      return FieldError(f, "\"" + text + "\" is not a number");
  int v = std::atoi(text.c_str());
  int hi = f.hi == 6 && f.lo == 0 ? 7 : f.hi;  // day of week: 7 is Sunday too
  if (v < f.lo || v > hi)
    return FieldError(
        f, text + " is out of range " + std::to_string(f.lo) + "-" + std::to_string(f.hi));
  return v;
}

// Sets the bits of one field; `any` is true for a bare "*".
Status ParseField(const Field& f, const std::string& text, std::vector<bool>* bits, bool* any) {
  *any = text == "*";
  bits->assign(f.hi + 1, false);
  for (const std::string& part : util::Split(text, ',')) {
    std::string range = part;
    int step = 1;
    if (size_t slash = part.find('/'); slash != std::string::npos) {
      range = part.substr(0, slash);
      std::string s = part.substr(slash + 1);
      if (s.empty() || s.size() > 3 || s.find_first_not_of("0123456789") != std::string::npos ||
          std::atoi(s.c_str()) < 1)
        return FieldError(f, "step \"" + s + "\" must be a positive number");
      step = std::atoi(s.c_str());
      if (step > f.hi) return FieldError(f, "step " + s + " is larger than the field's range");
    }
    int lo, hi;
    if (range == "*") {
      lo = f.lo;
      hi = f.hi;
    } else if (size_t dash = range.find('-'); dash != std::string::npos) {
      RSX_ASSIGN_OR_RETURN(lo, Number(f, range.substr(0, dash)));
      RSX_ASSIGN_OR_RETURN(hi, Number(f, range.substr(dash + 1)));
      if (hi < lo) return FieldError(f, "range \"" + range + "\" runs backwards");
    } else {
      RSX_ASSIGN_OR_RETURN(lo, Number(f, range));
      hi = part.find('/') != std::string::npos ? f.hi : lo;  // "5/15": from 5 to the end
    }
    for (int v = lo; v <= hi; v += step) (*bits)[f.hi == 6 && v == 7 ? 0 : v] = true;
  }
  return Status::OK();
}

}  // namespace

int64_t DaysFromCivil(int64_t y, unsigned m, unsigned d) {
  y -= m <= 2;
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const unsigned yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<int64_t>(doe) - 719468;
}

void CivilFromDays(int64_t z, int64_t* y, unsigned* m, unsigned* d) {
  z += 719468;
  const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const unsigned doe = static_cast<unsigned>(z - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  *d = doy - (153 * mp + 2) / 5 + 1;
  *m = mp < 10 ? mp + 3 : mp - 9;
  *y = static_cast<int64_t>(yoe) + era * 400 + (*m <= 2);
}

Result<CronSchedule> ParseCron(const std::string& expr) {
  std::vector<std::string> parts;
  std::string cur;
  for (char c : expr) {
    if (c == ' ' || c == '\t') {
      if (!cur.empty()) parts.push_back(cur);
      cur.clear();
    } else {
      cur += c;
    }
  }
  if (!cur.empty()) parts.push_back(cur);
  if (parts.size() != 5)
    return Status::InvalidArgument(
        "cron: expected 5 fields (minute hour day-of-month month day-of-week), found " +
        std::to_string(parts.size()));
  static const Field kFields[] = {{"minute", 0, 59, nullptr, 0},
                                  {"hour", 0, 23, nullptr, 0},
                                  {"day-of-month", 1, 31, nullptr, 0},
                                  {"month", 1, 12, kMonths, 1},
                                  {"day-of-week", 0, 6, kDays, 0}};
  CronSchedule s;
  std::vector<bool> bits;
  bool any = false;
  for (int i = 0; i < 5; ++i) {
    RSX_RETURN_IF_ERROR(ParseField(kFields[i], parts[i], &bits, &any));
    for (size_t v = 0; v < bits.size(); ++v) {
      if (!bits[v]) continue;
      switch (i) {
        case 0:
          s.minute.set(v);
          break;
        case 1:
          s.hour.set(v);
          break;
        case 2:
          s.day_of_month.set(v);
          break;
        case 3:
          s.month.set(v);
          break;
        case 4:
          s.day_of_week.set(v);
          break;
      }
    }
    if (i == 2) s.dom_any = any;
    if (i == 4) s.dow_any = any;
  }
  return s;
}

std::optional<int64_t> NextCronTime(const CronSchedule& s, int64_t after) {
  int64_t t = (after / 60 + 1) * 60;  // the next whole minute
  if (after < 0 && after % 60 != 0) t = (after / 60) * 60;
  int64_t day = t >= 0 ? t / 86400 : (t - 86399) / 86400;
  int start_minute = static_cast<int>((t - day * 86400) / 60);
  for (int i = 0; i < 366 * 5; ++i, ++day, start_minute = 0) {
    int64_t y;
    unsigned m, d;
    CivilFromDays(day, &y, &m, &d);
    if (!s.month.test(m)) continue;
    int dow = static_cast<int>(((day % 7) + 11) % 7);  // 1970-01-01 was a Thursday (4)
    bool dom_ok = s.day_of_month.test(d), dow_ok = s.day_of_week.test(dow);
    bool day_ok = (s.dom_any || s.dow_any) ? (dom_ok && dow_ok) : (dom_ok || dow_ok);
    if (!day_ok) continue;
    for (int mm = start_minute; mm < 24 * 60; ++mm) {
      if (s.hour.test(mm / 60) && s.minute.test(mm % 60)) return day * 86400 + mm * 60;
    }
  }
  return std::nullopt;
}

}  // namespace rsx::service
