#include "config.h"

#include <algorithm>
#include <limits>
#include <nlohmann/json.hpp>
#include <type_traits>

#include "rsx/policy.h"
#include "rsx/strings.h"

namespace rsx::emu {

using nlohmann::json;

const std::vector<std::string>& AllRsxActions() {
  static const std::vector<std::string> kActions = [] {
    int n = 0;
    const char* const* actions = RsxActions(&n);  // the policy's list: one source of truth
    return std::vector<std::string>(actions, actions + n);
  }();
  return kActions;
}

EmulatorConfig DefaultConfig(const std::string& external_id) {
  EmulatorConfig c;
  c.users.push_back({"arn:aws:iam::111111111111:user/operator",
                     kOperatorKeyId,
                     kOperatorSecret,
                     {"sts:AssumeRole", "sts:GetCallerIdentity"}});
  RoleConfig role;
  role.arn = "arn:aws:iam::222222222222:role/rsx-reader";
  role.trusted_accounts = {"111111111111"};
  role.external_id = external_id;
  role.actions = AllRsxActions();
  role.actions.push_back("redshift-data:BatchExecuteStatement");
  role.actions.push_back("redshift-data:ListStatements");
  role.actions.push_back("redshift-data:ListSessions");
  const std::string bucket = std::string("arn:aws:s3:::") + kStageBucket;
  role.statements.push_back(
      {{"s3:GetObject", "s3:DeleteObject"}, {bucket + "/" + kStagePrefix + "*"}, {}});
  role.statements.push_back(
      {{"s3:ListBucket"}, {bucket}, {std::string(kStagePrefix) + "*", kStagePrefix}});
  role.statements.push_back({{"s3:GetBucketLocation"}, {bucket}, {}});
  c.roles.push_back(role);
  // The namespace's role: Redshift itself uses it for UNLOAD; no one may assume it.
  RoleConfig unload;
  unload.arn = "arn:aws:iam::222222222222:role/rsx-unload";
  unload.grant_all = false;
  unload.statements.push_back(
      {{"s3:PutObject", "s3:GetObject", "s3:DeleteObject"}, {bucket + "/*"}, {}});
  unload.statements.push_back({{"s3:ListBucket", "s3:GetBucketLocation"}, {bucket}, {}});
  c.roles.push_back(unload);
  WorkgroupConfig wg{"default", "222222222222", {"dev"}, {unload.arn}, unload.arn};
  c.workgroups.push_back(wg);
  c.buckets.push_back({kStageBucket, "222222222222"});
  return c;
}

std::string ArnAccount(const std::string& arn) {
  auto parts = util::Split(arn, ':');
  return parts.size() > 4 ? parts[4] : "";
}

bool ActionAllowed(const std::vector<std::string>& patterns, const std::string& action) {
  for (const auto& p : patterns) {
    if (p == "*" || p == action) return true;
    if (!p.empty() && p.back() == '*' && util::StartsWith(action, p.substr(0, p.size() - 1)))
      return true;
  }
  return false;
}

bool GlobMatch(std::string_view p, std::string_view t) {
  // Iterative wildcard match with one backtrack point: linear in practice, no recursion.
  size_t pi = 0, ti = 0, star = std::string_view::npos, mark = 0;
  while (ti < t.size()) {
    if (pi < p.size() && (p[pi] == '?' || p[pi] == t[ti])) {
      ++pi;
      ++ti;
    } else if (pi < p.size() && p[pi] == '*') {
      star = pi++;
      mark = ti;
    } else if (star != std::string_view::npos) {
      pi = star + 1;
      ti = ++mark;
    } else {
      return false;
    }
  }
  while (pi < p.size() && p[pi] == '*') ++pi;
  return pi == p.size();
}

namespace {

Status CheckKeys(const json& j, std::initializer_list<const char*> allowed,
                 const std::string& where) {
  if (!j.is_object()) return Status::InvalidArgument(where + " must be a JSON object");
  for (const auto& [k, _] : j.items()) {
    bool ok = false;
    for (const char* a : allowed) ok = ok || k == a;
    if (!ok) return Status::InvalidArgument(where + ": unknown key '" + k + "'");
  }
  return Status::OK();
}

template <class T>
Status Get(const json& j, const char* key, T* out, const std::string& where) {
  auto it = j.find(key);
  if (it == j.end()) return Status::OK();
  if constexpr (std::is_arithmetic_v<T> && !std::is_same_v<T, bool>) {
    // A number out of T's range (or a fraction for an integer) would be undefined behaviour in
    // get<T>(): check it first.
    if (!it->is_number()) return Status::InvalidArgument(where + "." + key + " must be a number");
    if constexpr (std::is_integral_v<T>) {
      bool fits = it->is_number_integer()
                      ? it->template get<long long>() >=
                                static_cast<long long>(std::numeric_limits<T>::min()) &&
                            it->template get<long long>() <=
                                static_cast<long long>(std::numeric_limits<T>::max())
                      : false;
      if (it->is_number_unsigned())
        fits = it->template get<unsigned long long>() <=
               static_cast<unsigned long long>(std::numeric_limits<T>::max());
      if (!fits)
        return Status::InvalidArgument(where + "." + key + " must be a whole number in range");
    }
  }
  try {
    *out = it->get<T>();
  } catch (const json::exception&) {
    return Status::InvalidArgument(where + "." + key + " has the wrong type");
  }
  return Status::OK();
}

Status StatementsFrom(const json& owner, std::vector<PolicyStatement>* out,
                      const std::string& where) {
  auto it = owner.find("statements");
  if (it == owner.end()) return Status::OK();
  if (!it->is_array()) return Status::InvalidArgument(where + ".statements must be a list");
  for (const auto& st : *it) {
    PolicyStatement ps;
    std::string w = where + ".statements[]";
    RSX_RETURN_IF_ERROR(CheckKeys(st, {"actions", "resources", "s3_prefixes"}, w));
    RSX_RETURN_IF_ERROR(Get(st, "actions", &ps.actions, w));
    RSX_RETURN_IF_ERROR(Get(st, "resources", &ps.resources, w));
    RSX_RETURN_IF_ERROR(Get(st, "s3_prefixes", &ps.s3_prefixes, w));
    if (ps.actions.empty() || ps.resources.empty())
      return Status::InvalidArgument(w + ": actions and resources are required");
    out->push_back(ps);
  }
  return Status::OK();
}

Result<FaultConfig> FaultFrom(const json& f, const std::string& where) {
  FaultConfig fc;
  RSX_RETURN_IF_ERROR(CheckKeys(
      f, {"operation", "nth", "count", "every", "action", "error", "status", "message", "delay_ms"},
      where));
  RSX_RETURN_IF_ERROR(Get(f, "operation", &fc.operation, where));
  RSX_RETURN_IF_ERROR(Get(f, "nth", &fc.nth, where));
  RSX_RETURN_IF_ERROR(Get(f, "count", &fc.count, where));
  RSX_RETURN_IF_ERROR(Get(f, "every", &fc.every, where));
  RSX_RETURN_IF_ERROR(Get(f, "action", &fc.action, where));
  RSX_RETURN_IF_ERROR(Get(f, "error", &fc.error, where));
  RSX_RETURN_IF_ERROR(Get(f, "status", &fc.status, where));
  RSX_RETURN_IF_ERROR(Get(f, "message", &fc.message, where));
  RSX_RETURN_IF_ERROR(Get(f, "delay_ms", &fc.delay_ms, where));
  if (fc.operation.empty()) return Status::InvalidArgument(where + ".operation is required");
  static const std::set<std::string> kActions = {
      "error",          "reset",           "reset_after",         "delay",
      "fail_statement", "stall_statement", "slow_start_statement"};
  if (!kActions.count(fc.action))
    return Status::InvalidArgument(where +
                                   ".action must be one of error, reset, reset_after, "
                                   "delay, fail_statement, stall_statement, slow_start_statement");
  if ((fc.action == "delay" || fc.action == "slow_start_statement") &&
      (fc.delay_ms < 0 || fc.delay_ms > 60000))
    return Status::InvalidArgument(where + ".delay_ms must be from 0 to 60000");
  if (fc.nth < 1 || fc.count < 1)
    return Status::InvalidArgument(where + ": nth and count must be >= 1");
  if (fc.every < 0) return Status::InvalidArgument(where + ".every must be >= 0");
  return fc;
}

}  // namespace

Result<int> ParseLatency(const std::string& text) {
  json j = json::parse(text, nullptr, false);
  if (j.is_discarded() || !j.is_object())
    return Status::InvalidArgument("latency: expected {\"ms\": N}");
  RSX_RETURN_IF_ERROR(CheckKeys(j, {"ms"}, "latency"));
  int ms = -1;
  RSX_RETURN_IF_ERROR(Get(j, "ms", &ms, "latency"));
  if (ms < 0 || ms > 60000)
    return Status::InvalidArgument("latency.ms must be a whole number from 0 to 60000");
  return ms;
}

Result<FaultConfig> ParseFault(const std::string& text) {
  json j = json::parse(text, nullptr, false);
  if (j.is_discarded()) return Status::InvalidArgument("fault: not valid JSON");
  return FaultFrom(j, "fault");
}

Result<EmulatorConfig> ParseConfig(const std::string& text) {
  json j = json::parse(text, nullptr, false);
  if (j.is_discarded()) return Status::InvalidArgument("config: not valid JSON");
  EmulatorConfig c;
  RSX_RETURN_IF_ERROR(CheckKeys(j,
                                {"region", "users", "roles", "workgroups", "buckets", "limits",
                                 "faults", "workers", "slices", "latency_ms", "long_polling"},
                                "config"));
  RSX_RETURN_IF_ERROR(Get(j, "region", &c.region, "config"));
  RSX_RETURN_IF_ERROR(Get(j, "long_polling", &c.long_polling, "config"));
  if (c.long_polling != "on" && c.long_polling != "ignore" && c.long_polling != "refuse")
    return Status::InvalidArgument("config.long_polling must be one of on, ignore, refuse");
  RSX_RETURN_IF_ERROR(Get(j, "workers", &c.workers, "config"));
  RSX_RETURN_IF_ERROR(Get(j, "slices", &c.slices, "config"));
  RSX_RETURN_IF_ERROR(Get(j, "latency_ms", &c.latency_ms, "config"));
  if (c.latency_ms < 0 || c.latency_ms > 60000)
    return Status::InvalidArgument("config.latency_ms must be between 0 and 60000");
  if (c.slices < 1 || c.slices > 128)
    return Status::InvalidArgument("config.slices must be between 1 and 128");
  for (const auto& u : j.value("users", json::array())) {
    UserConfig uc;
    RSX_RETURN_IF_ERROR(CheckKeys(
        u, {"arn", "access_key_id", "secret_access_key", "actions", "statements"}, "users[]"));
    RSX_RETURN_IF_ERROR(StatementsFrom(u, &uc.statements, "users[]"));
    RSX_RETURN_IF_ERROR(Get(u, "arn", &uc.arn, "users[]"));
    RSX_RETURN_IF_ERROR(Get(u, "access_key_id", &uc.access_key_id, "users[]"));
    RSX_RETURN_IF_ERROR(Get(u, "secret_access_key", &uc.secret_access_key, "users[]"));
    RSX_RETURN_IF_ERROR(Get(u, "actions", &uc.actions, "users[]"));
    if (uc.arn.empty() || uc.access_key_id.empty() || uc.secret_access_key.empty())
      return Status::InvalidArgument(
          "users[]: arn, access_key_id and secret_access_key are required");
    c.users.push_back(uc);
  }
  for (const auto& r : j.value("roles", json::array())) {
    RoleConfig rc;
    RSX_RETURN_IF_ERROR(CheckKeys(r,
                                  {"arn", "trusted_accounts", "external_id", "actions",
                                   "statements", "max_session_seconds", "grants"},
                                  "roles[]"));
    RSX_RETURN_IF_ERROR(StatementsFrom(r, &rc.statements, "roles[]"));
    RSX_RETURN_IF_ERROR(Get(r, "arn", &rc.arn, "roles[]"));
    RSX_RETURN_IF_ERROR(Get(r, "trusted_accounts", &rc.trusted_accounts, "roles[]"));
    RSX_RETURN_IF_ERROR(Get(r, "external_id", &rc.external_id, "roles[]"));
    RSX_RETURN_IF_ERROR(Get(r, "actions", &rc.actions, "roles[]"));
    RSX_RETURN_IF_ERROR(Get(r, "max_session_seconds", &rc.max_session_seconds, "roles[]"));
    if (rc.arn.empty()) return Status::InvalidArgument("roles[]: arn is required");
    if (auto g = r.find("grants"); g != r.end()) {
      if (g->is_string() && g->get_ref<const std::string&>() == "all") {
        rc.grant_all = true;
      } else if (g->is_array()) {
        rc.grant_all = false;
        RSX_RETURN_IF_ERROR(Get(r, "grants", &rc.grant_schemas, "roles[]"));
      } else {
        return Status::InvalidArgument("roles[]: grants must be \"all\" or a list of schema names");
      }
    }
    if (!DatabaseUserFor(rc.arn).ok())
      return Status::InvalidArgument("roles[]: arn '" + rc.arn + "' is not an IAM role ARN");
    c.roles.push_back(rc);
  }
  for (const auto& w : j.value("workgroups", json::array())) {
    WorkgroupConfig wc;
    RSX_RETURN_IF_ERROR(CheckKeys(
        w, {"name", "account", "databases", "iam_roles", "default_iam_role"}, "workgroups[]"));
    RSX_RETURN_IF_ERROR(Get(w, "iam_roles", &wc.iam_roles, "workgroups[]"));
    RSX_RETURN_IF_ERROR(Get(w, "default_iam_role", &wc.default_iam_role, "workgroups[]"));
    if (!wc.default_iam_role.empty() && std::find(wc.iam_roles.begin(), wc.iam_roles.end(),
                                                  wc.default_iam_role) == wc.iam_roles.end())
      wc.iam_roles.push_back(wc.default_iam_role);
    RSX_RETURN_IF_ERROR(Get(w, "name", &wc.name, "workgroups[]"));
    RSX_RETURN_IF_ERROR(Get(w, "account", &wc.account, "workgroups[]"));
    RSX_RETURN_IF_ERROR(Get(w, "databases", &wc.databases, "workgroups[]"));
    if (wc.name.empty() || wc.databases.empty())
      return Status::InvalidArgument("workgroups[]: name and databases are required");
    c.workgroups.push_back(wc);
  }
  for (const auto& b : j.value("buckets", json::array())) {
    BucketConfig bc;
    RSX_RETURN_IF_ERROR(CheckKeys(b, {"name", "account"}, "buckets[]"));
    RSX_RETURN_IF_ERROR(Get(b, "name", &bc.name, "buckets[]"));
    RSX_RETURN_IF_ERROR(Get(b, "account", &bc.account, "buckets[]"));
    if (bc.name.size() < 3 || bc.name.size() > 63 || bc.account.empty())
      return Status::InvalidArgument(
          "buckets[]: name (3 to 63 characters) and account are required");
    c.buckets.push_back(bc);
  }
  if (j.contains("limits")) {
    const json& l = j["limits"];
    RSX_RETURN_IF_ERROR(
        CheckKeys(l,
                  {"result_bytes", "row_bytes", "active_statements", "page_bytes", "sql_bytes",
                   "result_retention_seconds", "credentials_seconds", "rates",
                   "waiting_requests_per_statement", "session_max_seconds"},
                  "limits"));
    RSX_RETURN_IF_ERROR(Get(l, "result_bytes", &c.limits.result_bytes, "limits"));
    RSX_RETURN_IF_ERROR(Get(l, "row_bytes", &c.limits.row_bytes, "limits"));
    RSX_RETURN_IF_ERROR(Get(l, "active_statements", &c.limits.active_statements, "limits"));
    RSX_RETURN_IF_ERROR(Get(l, "page_bytes", &c.limits.page_bytes, "limits"));
    RSX_RETURN_IF_ERROR(Get(l, "sql_bytes", &c.limits.sql_bytes, "limits"));
    RSX_RETURN_IF_ERROR(
        Get(l, "result_retention_seconds", &c.limits.result_retention_seconds, "limits"));
    RSX_RETURN_IF_ERROR(Get(l, "credentials_seconds", &c.limits.credentials_seconds, "limits"));
    RSX_RETURN_IF_ERROR(Get(l, "rates", &c.limits.rates, "limits"));
    RSX_RETURN_IF_ERROR(Get(l, "waiting_requests_per_statement",
                            &c.limits.waiting_requests_per_statement, "limits"));
    RSX_RETURN_IF_ERROR(Get(l, "session_max_seconds", &c.limits.session_max_seconds, "limits"));
    if (c.limits.waiting_requests_per_statement < 1 || c.limits.session_max_seconds < 1)
      return Status::InvalidArgument(
          "limits.waiting_requests_per_statement and limits.session_max_seconds must be >= 1");
  }
  int i = 0;
  for (const auto& f : j.value("faults", json::array())) {
    RSX_ASSIGN_OR_RETURN(FaultConfig fc, FaultFrom(f, "faults[" + std::to_string(i++) + "]"));
    c.faults.push_back(fc);
  }
  return c;
}

}  // namespace rsx::emu
