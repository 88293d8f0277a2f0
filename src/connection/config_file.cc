// LoadConnectionConfigFile: a connection object from a file (the Airbyte and Singer config).

#include <nlohmann/json.hpp>

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

}  // namespace rsx
