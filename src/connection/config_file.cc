// Connection configs from a file (the Airbyte and Singer config) and as the CLI resolves them.

#include <nlohmann/json.hpp>
#include <optional>

#include "rsx/endpoints.h"
#include "rsx/files.h"
#include "rsx/protocol.h"
#include "util/json_access.h"

namespace rsx {

Result<ConnectionConfig> LoadConnectionConfigFile(const std::string& path, const Environment& env,
                                                  const std::vector<std::string>& ignored_keys) {
  RSX_ASSIGN_OR_RETURN(std::string text, ReadTextFile(path, "config"));
  std::string what = "the config file " + path;
  RSX_ASSIGN_OR_RETURN(nlohmann::json j, json_access::Parse(text, what));
  RSX_RETURN_IF_ERROR(json_access::ExpectObject(j, what));
  for (const auto& k : ignored_keys) j.erase(k);
  RSX_ASSIGN_OR_RETURN(std::string clean, json_access::Dump(j));
  RSX_ASSIGN_OR_RETURN(ConnectionConfig c, ConnectionConfig::FromJson(clean, "config"));
  if (Status st = ValidateConnection(c); !st.ok()) return Status(st).Prepend(what);
  if (c.external_id.empty()) {
    RSX_ASSIGN_OR_RETURN(Workspace ws, Workspace::Open(env));
    RSX_ASSIGN_OR_RETURN(c.external_id, ws.ExternalId());
  }
  return c;
}

Result<ConnectionConfig> ResolveConnection(const ConnectionConfig& f, const Environment& env) {
  ConnectionConfig c;
  std::optional<Workspace> ws;
  if (!f.name.empty()) {
    RSX_ASSIGN_OR_RETURN(Workspace opened, Workspace::Open(env));
    ws.emplace(std::move(opened));
    RSX_ASSIGN_OR_RETURN(c, ws->GetConnection(f.name));
  }
  auto pick = [&](std::string* field, const std::string& flag, const char* var) {
    if (!flag.empty()) *field = flag;
    if (field->empty() && var) *field = env.Get(var).value_or("");
  };
  pick(&c.region, f.region, nullptr);
  pick(&c.workgroup, f.workgroup, "RSX_WORKGROUP");
  pick(&c.database, f.database, "RSX_DATABASE");
  pick(&c.role_arn, f.role_arn, "RSX_ROLE_ARN");
  // A saved connection without an external ID uses the workspace's, never RSX_EXTERNAL_ID.
  pick(&c.external_id, f.external_id, f.name.empty() ? "RSX_EXTERNAL_ID" : nullptr);
  pick(&c.endpoint_url, f.endpoint_url, nullptr);
  pick(&c.sts_endpoint_url, f.sts_endpoint_url, nullptr);
  if (c.external_id.empty() && ws) {
    RSX_ASSIGN_OR_RETURN(c.external_id, ws->ExternalId());
  }
  c.allow_insecure_http = c.allow_insecure_http || f.allow_insecure_http;
  pick(&c.long_polling, f.long_polling, "RSX_LONG_POLLING");
  pick(&c.unload.stage, f.unload.stage, "RSX_STAGE");
  pick(&c.unload.iam_role, f.unload.iam_role, nullptr);
  pick(&c.unload.region, f.unload.region, nullptr);
  pick(&c.unload.compression, f.unload.compression, nullptr);
  c.credential_cache = c.credential_cache && f.credential_cache &&
                       env.Get("RSX_NO_CREDENTIAL_CACHE").value_or("").empty();
  if (c.region.empty()) c.region = RegionFromEnvironment(env);
  return c;
}

}  // namespace rsx
