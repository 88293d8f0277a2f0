#include "rsx/connection.h"

#include <cstdio>

#include "rsx/endpoints.h"
#include "rsx/sts.h"

namespace rsx {
namespace {

// The runtime's environment with RSX_ALLOW_INSECURE_HTTP=1 on top: a connection's
// allow_insecure_http, read by endpoint resolution when its clients are created.
class InsecureHttpEnvironment : public Environment {
 public:
  explicit InsecureHttpEnvironment(const Environment& base) : base_(base) {}
  std::optional<std::string> Get(const std::string& name) const override {
    if (name == "RSX_ALLOW_INSECURE_HTTP") return std::string("1");
    return base_.Get(name);
  }

 private:
  const Environment& base_;
};

}  // namespace

Result<std::shared_ptr<Runtime>> Runtime::Create(RuntimeOptions options) {
  std::shared_ptr<Runtime> rt(new Runtime(std::move(options)));
  rt->env_ = rt->options_.env ? rt->options_.env : &Environment::Process();
  rt->stats_ = std::make_shared<HttpCallStats>();
  auto inner = rt->options_.http_client ? rt->options_.http_client
                                        : NewCurlHttpClient(rt->options_.http, *rt->env_);
  rt->http_ = NewTimedHttpClient(std::move(inner), rt->stats_);
  return rt;
}

void Runtime::Log(std::string_view message) const {
  if (options_.log) {
    options_.log(message);
    return;
  }
  std::fprintf(stderr, "rsx: warning: %.*s\n", static_cast<int>(message.size()), message.data());
}

std::shared_ptr<CredentialsProvider> Runtime::OperatorCredentials(const std::string& region,
                                                                  const std::string& sts_endpoint) {
  if (options_.operator_credentials) return options_.operator_credentials;
  std::lock_guard<std::mutex> lock(mu_);
  std::string key = region + "\n" + sts_endpoint;
  auto& slot = creds_[key];
  if (!slot) {
    ChainOptions co;
    co.env = env_;
    co.profile = options_.profile;
    co.region = region;
    co.sts_endpoint = sts_endpoint;
    slot = NewDefaultCredentialsChain(http_, co);
  }
  return slot;
}

Result<std::unique_ptr<Connection>> Connection::Open(const ConnectionConfig& config,
                                                     std::shared_ptr<Runtime> runtime,
                                                     const OpenOptions& options) {
  if (!runtime) return Status::InvalidArgument("Connection::Open: no runtime");
  if (config.region.empty()) return Status::InvalidArgument("connection: no region");
  if (config.workgroup.empty()) return Status::InvalidArgument("connection: no workgroup");
  if (config.database.empty()) return Status::InvalidArgument("connection: no database");
  RSX_RETURN_IF_ERROR(ValidateRegion(config.region));
  if (config.max_concurrent_statements < 1 || config.max_concurrent_statements > 200)
    return Status::InvalidArgument("connection: max_concurrent_statements must be from 1 to 200");
  AssumeRoleParams params{config.role_arn, config.external_id, "", options.role_session_seconds};
  if (!config.role_arn.empty()) RSX_RETURN_IF_ERROR(ValidateAssumeRoleParams(params));

  InsecureHttpEnvironment insecure(runtime->env());
  const Environment& env =
      config.allow_insecure_http ? static_cast<const Environment&>(insecure) : runtime->env();
  std::shared_ptr<CredentialsProvider> creds =
      runtime->OperatorCredentials(config.region, config.sts_endpoint_url);
  if (!config.role_arn.empty()) {
    StsOptions so;
    so.region = config.region;
    so.endpoint_url = config.sts_endpoint_url;
    so.env = &env;
    RSX_ASSIGN_OR_RETURN(auto sts, StsClient::Create(runtime->http(), so));
    ChainOptions co;
    co.env = &runtime->env();
    co.region = config.region;
    if (!options.credential_cache_dir.empty() && config.credential_cache) {
      CredentialCacheOptions cache;
      cache.dir = options.credential_cache_dir;
      cache.sts_endpoint = sts->endpoint_url();
      cache.warn = [rt = runtime](const std::string& m) { rt->Log(m); };
      creds = NewCachedAssumeRoleProvider(sts, creds, params, cache, co);
    } else {
      creds = NewAssumeRoleProvider(sts, creds, params, co);
    }
  }
  RSX_ASSIGN_OR_RETURN(LongPolling long_polling, ParseLongPolling(config.long_polling));
  std::unique_ptr<Connection> c(new Connection());
  if (options.verify_credentials) {
    // Fail early, with the credentials error, rather than on the first Data API call.
    RSX_ASSIGN_OR_RETURN(Credentials got, creds->Get());
    c->credentials_provider_ = got.provider;
  }
  RSX_ASSIGN_OR_RETURN(c->client_, DataApiClient::Create(runtime->http(), creds,
                                                         {config.region, config.workgroup,
                                                          config.database, config.endpoint_url},
                                                         env));
  c->client_->set_max_concurrent_statements(config.max_concurrent_statements);
  c->client_->set_long_polling(long_polling);
  if (!config.unload.stage.empty()) {
    RSX_RETURN_IF_ERROR(ValidateUnloadConfig(config.unload));
    RSX_ASSIGN_OR_RETURN(
        c->s3_,
        S3Client::Create(runtime->http(), creds,
                         config.unload.region.empty() ? config.region : config.unload.region, env));
  }
  c->config_ = config;
  c->runtime_ = std::move(runtime);
  return c;
}

std::chrono::milliseconds Connection::DefaultStatementTimeout() const {
  if (config_.statement_timeout_seconds > 0)
    return std::chrono::milliseconds(config_.statement_timeout_seconds * 1000LL);
  return std::chrono::hours(1);
}

Result<std::vector<Stream>> Connection::Discover(const std::vector<std::string>& schemas) {
  DiscoverOptions d;
  d.schemas = schemas.empty() ? config_.schemas : schemas;
  d.concurrency = config_.max_concurrent_statements;
  return rsx::Discover(*client_, d);
}

Result<RunSummary> Connection::Query(const std::string& sql, const RunOptions& options,
                                     ResultConsumer* consumer) {
  return RunStatement(*client_, sql, options, consumer);
}

Result<std::vector<StreamResult>> Connection::Sync(const std::vector<StreamSyncConfig>& streams,
                                                   const SyncOptions& options) {
  SyncOptions o = options;
  if (!o.warn) o.warn = [rt = runtime_](const std::string& m) { rt->Log(m); };
  const UnloadConfig& u = config_.unload;
  if (o.unload.stage.empty() && !u.stage.empty()) {
    o.unload.stage = u.stage;
    if (!u.iam_role.empty()) o.unload.iam_role = u.iam_role;
    if (u.compression == "zstd") o.unload.compression = Compression::kZstd;
    if (u.compression == "none") o.unload.compression = Compression::kNone;
  }
  if (!o.unload.s3) o.unload.s3 = s3_;
  return RunSync(*client_, streams, o);
}

}  // namespace rsx
