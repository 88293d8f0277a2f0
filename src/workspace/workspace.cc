#include "rsx/workspace.h"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cctype>
#include <cerrno>
#include <cstring>
#include <nlohmann/json.hpp>

#include "rsx/credentials.h"
#include "rsx/crypto.h"
#include "rsx/data_api.h"
#include "rsx/endpoints.h"
#include "rsx/files.h"
#include "rsx/s3.h"
#include "util/json_access.h"

namespace rsx {

using nlohmann::json;

namespace {

// An exclusive lock on the workspace for the life of the object.
class Lock {
 public:
  explicit Lock(const std::string& dir) {
    fd_ = open((dir + "/.lock").c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (fd_ >= 0) flock(fd_, LOCK_EX);
  }
  ~Lock() {
    if (fd_ >= 0) {
      flock(fd_, LOCK_UN);
      close(fd_);
    }
  }

 private:
  int fd_ = -1;
};

Result<std::string> ReadAll(const std::string& path) {
  struct stat sb;
  if (stat(path.c_str(), &sb) != 0 && errno == ENOENT)
    return Status::NotFound(path + " does not exist");
  return ReadTextFile(path, "workspace");
}

// Every workspace file is written with the one atomic, durable helper (rsx/files.h), 0600.
Status WriteAtomic(const std::string& path, const std::string& contents) {
  return WriteFileAtomic(path, contents, 0600);
}

const char* kConnections = "connections.json";

// Parses connections.json; a file that does not parse is an error that leaves it untouched.
Result<json> LoadConnections(const std::string& dir) {
  std::string path = dir + "/" + kConnections;
  auto text = ReadAll(path);
  if (!text.ok()) {
    if (text.status().code() == StatusCode::kNotFound) return json{{"connections", json::object()}};
    return text.status();
  }
  auto parsed = json_access::Parse(*text, "it");
  std::string why =
      !parsed.ok()           ? parsed.status().message()
      : !parsed->is_object() ? "expected an object, found " + json_access::Describe(*parsed)
      : !parsed->contains("connections")      ? "\"connections\" is missing"
      : !(*parsed)["connections"].is_object() ? "connections: expected an object, found " +
                                                    json_access::Describe((*parsed)["connections"])
                                              : "";
  if (!why.empty())
    return Status::InvalidArgument(
        path + " is corrupt (" + why +
        "); rsx left it untouched. Fix it by hand or move it aside to start over.");
  return std::move(*parsed);
}

}  // namespace

std::string ConnectionConfig::ToJson(int indent) const {
  json j = {
      {"region", region}, {"workgroup", workgroup}, {"database", database}, {"role_arn", role_arn}};
  if (!external_id.empty()) j["external_id"] = external_id;
  if (!schemas.empty()) j["schemas"] = schemas;
  if (!endpoint_url.empty()) j["endpoint_url"] = endpoint_url;
  if (!sts_endpoint_url.empty()) j["sts_endpoint_url"] = sts_endpoint_url;
  if (max_concurrent_statements != 4) j["max_concurrent_statements"] = max_concurrent_statements;
  if (statement_timeout_seconds != 0) j["statement_timeout_seconds"] = statement_timeout_seconds;
  if (allow_insecure_http) j["allow_insecure_http"] = true;
  if (!long_polling.empty() && long_polling != "auto") j["long_polling"] = long_polling;
  if (!credential_cache) j["credential_cache"] = false;
  if (!unload.empty()) {
    json u = json::object();
    if (!unload.stage.empty()) u["stage"] = unload.stage;
    if (!unload.iam_role.empty()) u["iam_role"] = unload.iam_role;
    if (!unload.region.empty()) u["region"] = unload.region;
    if (!unload.compression.empty()) u["compression"] = unload.compression;
    j["unload"] = std::move(u);
  }
  return j.dump(indent, ' ', false, json::error_handler_t::replace);  // never throws on bad UTF-8
}

Result<ConnectionConfig> ConnectionConfig::FromJson(const std::string& text,
                                                    const std::string& name) {
  json j = json::parse(text, nullptr, false);
  if (j.is_discarded() || !j.is_object())
    return Status::InvalidArgument("connection config is not a JSON object");
  ConnectionConfig c;
  c.name = name;
  static const char* kKeys[] = {"region",
                                "workgroup",
                                "database",
                                "role_arn",
                                "external_id",
                                "schemas",
                                "endpoint_url",
                                "sts_endpoint_url",
                                "max_concurrent_statements",
                                "statement_timeout_seconds",
                                "allow_insecure_http",
                                "long_polling",
                                "credential_cache",
                                "unload"};
  for (const auto& [k, v] : j.items()) {
    bool known = false;
    for (const char* key : kKeys) known = known || k == key;
    if (!known) return Status::InvalidArgument("connection config: unknown key '" + k + "'");
    if (k == "schemas") {
      if (!v.is_array())
        return Status::InvalidArgument("connection config: schemas must be a list of names");
      for (const auto& s : v) {
        if (!s.is_string())
          return Status::InvalidArgument("connection config: schemas must be a list of names");
        c.schemas.push_back(s.get_ref<const std::string&>());
      }
    } else if (k == "max_concurrent_statements" || k == "statement_timeout_seconds") {
      auto n = json_access::OptInt(j, k, "connection config", -1);
      if (!n.ok() || *n < 0 || *n > 604800)
        return Status::InvalidArgument("connection config: " + k +
                                       " must be a whole number from 0 to 604800");
      (k == "max_concurrent_statements" ? c.max_concurrent_statements
                                        : c.statement_timeout_seconds) = static_cast<int>(*n);
    } else if (k == "unload") {
      if (!v.is_object())
        return Status::InvalidArgument(
            "connection config: unload must be an object {stage, iam_role, region, compression}");
      for (const auto& [uk, uv] : v.items()) {
        std::string* field = uk == "stage"         ? &c.unload.stage
                             : uk == "iam_role"    ? &c.unload.iam_role
                             : uk == "region"      ? &c.unload.region
                             : uk == "compression" ? &c.unload.compression
                                                   : nullptr;
        if (!field)
          return Status::InvalidArgument("connection config: unknown key 'unload." + uk +
                                         "' (expected stage, iam_role, region, compression)");
        if (!uv.is_string())
          return Status::InvalidArgument("connection config: unload." + uk + " must be a string");
        *field = uv.get_ref<const std::string&>();
      }
    } else if (k == "allow_insecure_http" || k == "credential_cache") {
      if (!v.is_boolean())
        return Status::InvalidArgument("connection config: " + k + " must be true or false");
      (k == "allow_insecure_http" ? c.allow_insecure_http : c.credential_cache) =
          v.get_ref<const bool&>();
    } else {
      if (!v.is_string())
        return Status::InvalidArgument("connection config: " + k + " must be a string");
      const std::string& s = v.get_ref<const std::string&>();
      if (k == "region")
        c.region = s;
      else if (k == "workgroup")
        c.workgroup = s;
      else if (k == "database")
        c.database = s;
      else if (k == "role_arn")
        c.role_arn = s;
      else if (k == "external_id")
        c.external_id = s;
      else if (k == "endpoint_url")
        c.endpoint_url = s;
      else if (k == "sts_endpoint_url")
        c.sts_endpoint_url = s;
      else if (k == "long_polling")
        c.long_polling = s;
    }
  }
  return c;
}

namespace {

// Whether every character of `s` is a lower-case letter or digit, or one of `extra`.
bool LowerAlnumOr(std::string_view s, std::string_view extra) {
  for (char c : s)
    if (!std::islower(static_cast<unsigned char>(c)) &&
        !std::isdigit(static_cast<unsigned char>(c)) && extra.find(c) == std::string_view::npos)
      return false;
  return true;
}

// A version 4 UUID in lower case: xxxxxxxx-xxxx-4xxx-[89ab]xxx-xxxxxxxxxxxx.
bool IsUuidV4(std::string_view id) {
  if (id.size() != 36) return false;
  for (size_t i = 0; i < id.size(); ++i) {
    bool dash = i == 8 || i == 13 || i == 18 || i == 23;
    if (dash != (id[i] == '-')) return false;
    if (!dash && !std::isdigit(static_cast<unsigned char>(id[i])) && (id[i] < 'a' || id[i] > 'f'))
      return false;
  }
  return id[14] == '4' && std::string_view("89ab").find(id[19]) != std::string_view::npos;
}

}  // namespace

Status ValidateConnectionName(const std::string& name) {
  bool ok = !name.empty() && name.size() <= 64 && std::isalnum(static_cast<unsigned char>(name[0]));
  for (char c : name)
    ok = ok && (std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '.' || c == '-');
  if (!ok)
    return Status::InvalidArgument(
        "connection name '" + name +
        "' must be 1-64 letters, digits, '.', '_' or '-', starting with a letter or digit");
  return Status::OK();
}

Status ValidateUnloadConfig(const UnloadConfig& u) {
  if (u.empty()) return Status::OK();
  if (u.stage.empty())
    return Status::InvalidArgument(
        "--stage: the unload settings need a stage (s3://bucket/prefix/) to write to");
  if (Status st = ParseS3Url(u.stage).status(); !st.ok()) return st.Prepend("--stage");
  if (u.stage.find_first_of("'\\") != std::string::npos)
    return Status::InvalidArgument("--stage '" + u.stage + "': a stage may not hold ' or \\");
  if (!u.iam_role.empty() && u.iam_role != "default" &&
      (u.iam_role.rfind("arn:aws", 0) != 0 || u.iam_role.find(":role/") == std::string::npos ||
       u.iam_role.find_first_of("'\\ ") != std::string::npos))
    return Status::InvalidArgument("--unload-role '" + u.iam_role +
                                   "': expected default or arn:aws:iam::<account>:role/<name>");
  if (!u.region.empty())
    if (Status st = ValidateRegion(u.region); !st.ok()) return st.Prepend("--unload-region");
  if (!u.compression.empty() && u.compression != "gzip" && u.compression != "zstd" &&
      u.compression != "none")
    return Status::InvalidArgument("--unload-compression '" + u.compression +
                                   "' is not one of gzip, zstd, none");
  return Status::OK();
}

Status ValidateConnection(const ConnectionConfig& c) {
  RSX_RETURN_IF_ERROR(ValidateConnectionName(c.name));
  std::vector<const std::string*> texts = {
      &c.region,          &c.workgroup,     &c.database,          &c.role_arn,
      &c.external_id,     &c.endpoint_url,  &c.sts_endpoint_url,  &c.unload.stage,
      &c.unload.iam_role, &c.unload.region, &c.unload.compression};
  for (const auto& s : c.schemas) texts.push_back(&s);
  for (const std::string* t : texts)
    if (!json_access::Dump(json(*t)).ok())
      return Status::InvalidArgument("connection '" + c.name +
                                     "': a setting holds text that is not valid UTF-8");
  if (c.region.empty()) return Status::InvalidArgument("--region: required (e.g. eu-west-1)");
  if (Status st = ValidateRegion(c.region); !st.ok()) return st.Prepend("--region");
  if (c.workgroup.size() < 3 || c.workgroup.size() > 64 || !LowerAlnumOr(c.workgroup, "-"))
    return Status::InvalidArgument(
        "--workgroup '" + c.workgroup +
        "': a workgroup name is 3-64 lower-case letters, digits and '-'");
  if (c.database.empty() || c.database.size() > 127 ||
      std::isdigit(static_cast<unsigned char>(c.database[0])) || c.database[0] == '$' ||
      !LowerAlnumOr(c.database, "_$"))
    return Status::InvalidArgument("--database '" + c.database +
                                   "': a database name is 1-127 lower-case letters, digits, '_' or "
                                   "'$', starting with a letter or '_'");
  if (c.role_arn.empty())
    return Status::InvalidArgument(
        "--role-arn: required (arn:aws:iam::<12-digit account>:role/<name>)");
  AssumeRoleParams p{c.role_arn, c.external_id, "", 3600};
  if (Status st = ValidateAssumeRoleParams(p); !st.ok())
    return st.Prepend(c.external_id.empty() ? "--role-arn" : "--role-arn/--external-id");
  for (const auto& s : c.schemas)
    if (s.empty() || s.size() > 127)
      return Status::InvalidArgument("--schemas: '" + s + "' is not a schema name");
  if (c.max_concurrent_statements < 1 || c.max_concurrent_statements > 200)
    return Status::InvalidArgument("max_concurrent_statements must be from 1 to 200");
  if (c.statement_timeout_seconds < 0 || c.statement_timeout_seconds > 604800)
    return Status::InvalidArgument(
        "statement_timeout_seconds must be from 0 (the default, 1 hour) to 604800");
  if (!ParseLongPolling(c.long_polling).ok())
    return Status::InvalidArgument("--long-polling '" + c.long_polling +
                                   "' is not one of auto, on, off");
  RSX_RETURN_IF_ERROR(ValidateUnloadConfig(c.unload));
  for (const std::string* url : {&c.endpoint_url, &c.sts_endpoint_url})
    if (!url->empty() && url->rfind("http://", 0) != 0 && url->rfind("https://", 0) != 0)
      return Status::InvalidArgument("endpoint '" + *url + "' must be an http:// or https:// URL");
  return Status::OK();
}

Result<Workspace> Workspace::Open(const Environment& env) {
  std::string dir = env.Get("RSX_HOME").value_or("");
  if (dir.empty()) {
    auto home = env.Get("HOME");
    if (!home)
      return Status::NotFound(
          "neither RSX_HOME nor HOME is set: rsx has nowhere to keep its workspace");
    dir = *home + "/.rsx";
  }
  struct stat st {};
  if (stat(dir.c_str(), &st) != 0) {
    if (mkdir(dir.c_str(), 0700) != 0 && errno != EEXIST)
      return Status::IoError("cannot create the workspace " + dir + ": " + std::strerror(errno));
  } else if (!S_ISDIR(st.st_mode)) {
    return Status::IoError("the workspace " + dir + " is not a directory");
  }
  return Workspace(dir);
}

Result<std::string> Workspace::ExternalId() {
  Lock lock(dir_);
  std::string path = dir_ + "/external_id";
  auto existing = ReadAll(path);
  if (existing.ok()) {
    std::string id = *existing;
    while (!id.empty() && (id.back() == '\n' || id.back() == ' ')) id.pop_back();
    if (!IsUuidV4(id))
      return Status::Internal(
          path +
          " is corrupt (expected a UUID); rsx left it untouched. The "
          "external ID is in customers' trust policies: restore it rather than delete it.");
    return id;
  }
  if (existing.status().code() != StatusCode::kNotFound) return existing.status();
  std::string id = crypto::RandomUuid();
  RSX_RETURN_IF_ERROR(WriteAtomic(path, id + "\n"));
  return id;
}

Result<std::vector<ConnectionConfig>> Workspace::ListConnections() {
  RSX_ASSIGN_OR_RETURN(json j, LoadConnections(dir_));
  std::vector<ConnectionConfig> out;
  for (const auto& [name, cfg] : j["connections"].items()) {
    auto c = ConnectionConfig::FromJson(cfg.dump(), name);
    if (!c.ok())
      return Status(c.status()).Prepend(dir_ + "/" + kConnections + ": connection '" + name + "'");
    out.push_back(*c);
  }
  return out;
}

Result<ConnectionConfig> Workspace::GetConnection(const std::string& name) {
  RSX_ASSIGN_OR_RETURN(json j, LoadConnections(dir_));
  auto it = j["connections"].find(name);
  if (it == j["connections"].end())
    return Status::NotFound("no connection named '" + name +
                            "' (see `rsx connections list`; add one with `rsx connections add`)");
  return ConnectionConfig::FromJson(it->dump(), name);
}

Status Workspace::AddConnection(const ConnectionConfig& c, bool replace) {
  RSX_RETURN_IF_ERROR(ValidateConnection(c));
  Lock lock(dir_);
  RSX_ASSIGN_OR_RETURN(json j, LoadConnections(dir_));
  if (j["connections"].contains(c.name) && !replace)
    return Status::InvalidArgument("a connection named '" + c.name +
                                   "' already exists (remove it first, or pass --replace)");
  j["connections"][c.name] = json::parse(c.ToJson());
  RSX_ASSIGN_OR_RETURN(std::string text, json_access::Dump(j, 2));
  return WriteAtomic(dir_ + "/" + kConnections, text + "\n");
}

Status Workspace::RemoveConnection(const std::string& name) {
  Lock lock(dir_);
  RSX_ASSIGN_OR_RETURN(json j, LoadConnections(dir_));
  if (!j["connections"].contains(name))
    return Status::NotFound("no connection named '" + name + "'");
  j["connections"].erase(name);
  RSX_ASSIGN_OR_RETURN(std::string text, json_access::Dump(j, 2));
  return WriteAtomic(dir_ + "/" + kConnections, text + "\n");
}

Result<std::string> Workspace::ReadFile(const std::string& relative) {
  return ReadAll(dir_ + "/" + relative);
}

Status Workspace::WriteFileAtomic(const std::string& relative, const std::string& contents) {
  Lock lock(dir_);
  return WriteAtomic(dir_ + "/" + relative, contents);
}

}  // namespace rsx
