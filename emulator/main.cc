// rsx-emulator: a local Redshift Serverless (Data API, STS, GetCredentials) on PostgreSQL.

#include <signal.h>

#include <CLI/CLI.hpp>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include "auth.h"
#include "config.h"
#include "engine.h"
#include "grants.h"
#include "pg.h"
#include "rsx/credentials.h"
#include "rsx/http.h"
#include "rsx/s3.h"
#include "rsx/strings.h"
#include "s3_api.h"
#include "s3_store.h"
#include "sample.h"
#include "server.h"
#include "unload.h"

namespace {

int Fail(const std::string& msg) {
  std::fprintf(stderr, "rsx-emulator: error: %s\n", msg.c_str());
  return 1;
}

}  // namespace

int main(int argc, char** argv) {
  using namespace rsx;
  using namespace rsx::emu;
  CLI::App app{
      "rsx-emulator - a local Amazon Redshift Serverless: the Redshift Data API, STS and\n"
      "redshift-serverless GetCredentials on loopback, over a real PostgreSQL. It verifies\n"
      "SigV4, enforces trust policies (external IDs) and per-role permissions, and can inject\n"
      "faults. See docs/emulator.md.",
      "rsx-emulator"};
  std::string listen = "127.0.0.1:0", pg = "auto", pg_dsn, config_file, sample, external_id,
              ready_file;
  int sample_scale = 1;
  std::string long_polling, s3_dir, s3_endpoint;
  int latency_ms = -1;
  bool print_env = false, no_grants = false;
  app.add_option("--listen", listen,
                 "address to serve on, 127.0.0.1:PORT (port 0 picks a free one)")
      ->default_val("127.0.0.1:0");
  app.add_option("--pg", pg, "'auto': start a throwaway PostgreSQL cluster, removed on exit")
      ->default_val("auto");
  app.add_option("--pg-dsn", pg_dsn, "use an existing PostgreSQL server (libpq DSN, no dbname)");
  app.add_option("--config", config_file, "configuration file (JSON); default: built-in");
  app.add_option("--sample", sample, "load a sample data set into every database: tickit")
      ->check(CLI::IsMember({"tickit"}));
  app.add_option("--sample-scale", sample_scale, "multiply the sample's row counts")
      ->default_val(1);
  app.add_option("--external-id", external_id,
                 "external ID the default role's trust policy requires")
      ->default_val(kDefaultExternalId);
  app.add_option("--ready-file", ready_file, "write the bound address here once serving");
  app.add_flag("--no-grants", no_grants,
               "grant the roles' database users (IAMR:<role>) nothing, as in a fresh customer "
               "database: reads fail until GRANTs are run (the default grants every schema)");
  app.add_option("--long-polling", long_polling,
                 "WaitTimeSeconds (the July 2026 Data API): on (the default), ignore (answer at "
                 "once, as an endpoint that predates it) or refuse (a ValidationException naming "
                 "the unknown field); overrides the config file's long_polling")
      ->check(CLI::IsMember({"on", "ignore", "refuse"}));
  app.add_option("--s3-dir", s3_dir,
                 "keep the S3 objects in this folder (kept at exit); default: a temporary "
                 "folder removed at exit");
  app.add_option("--s3-endpoint", s3_endpoint,
                 "UNLOAD writes to this S3 instead of the emulator's own (e.g. moto_server's "
                 "URL), path style, signed with AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY from the "
                 "environment (or fixed test keys); the namespace role's S3 statements are then "
                 "not checked");
  app.add_option("--latency-ms", latency_ms,
                 "add this many milliseconds before answering every AWS request (Data API, STS, "
                 "S3), as a network's round trip would; overrides the config file's latency_ms")
      ->check(CLI::Range(0, 60000));
  app.add_flag("--print-env", print_env,
               "print shell export lines for AWS_ENDPOINT_URL, keys and region, and the role, "
               "external ID, workgroup and database to use");
  CLI11_PARSE(app, argc, argv);

  if (listen.rfind("127.", 0) != 0 && listen.rfind("localhost:", 0) != 0)
    return Fail("--listen must be a loopback address (127.x.x.x:PORT), got '" + listen + "'");
  size_t colon = listen.rfind(':');
  if (colon == std::string::npos) return Fail("--listen must be HOST:PORT");
  std::string host = listen.substr(0, colon);
  int port = std::atoi(listen.c_str() + colon + 1);
  if (pg != "auto" && pg_dsn.empty()) return Fail("--pg accepts only 'auto'; use --pg-dsn DSN");

  EmulatorConfig config = DefaultConfig(external_id);
  if (!config_file.empty()) {
    std::ifstream in(config_file);
    if (!in) return Fail("cannot read --config file " + config_file);
    std::stringstream ss;
    ss << in.rdbuf();
    auto parsed = ParseConfig(ss.str());
    if (!parsed.ok()) return Fail(config_file + ": " + parsed.status().message());
    config = *parsed;
  }
  if (!long_polling.empty()) config.long_polling = long_polling;
  if (latency_ms >= 0) config.latency_ms = latency_ms;
  if (no_grants)
    for (auto& role : config.roles) {
      role.grant_all = false;
      role.grant_schemas.clear();
    }

  // SIGINT/SIGTERM are taken by one thread with sigwait, so every other thread ignores them.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  signal(SIGPIPE, SIG_IGN);

  std::unique_ptr<PgCluster> cluster;
  std::string base_dsn = pg_dsn;
  if (pg_dsn.empty()) {
    auto started = PgCluster::Start();
    if (!started.ok()) return Fail(started.status().message());
    cluster = std::move(*started);
  }
  auto dsn_for = [&](const std::string& db) {
    return cluster ? cluster->Dsn(db) : DsnWithDatabase(base_dsn, db);
  };
  {
    auto admin = Connect(dsn_for("postgres"));
    if (!admin.ok()) return Fail(admin.status().message());
    for (const auto& wg : config.workgroups) {
      for (const auto& db : wg.databases) {
        auto exists = Exec(admin->get(), "select 1 from pg_database where datname = '" + db + "'");
        if (exists.ok() && PQntuples(exists->get()) == 0) {
          auto made = Exec(admin->get(), "create database " + QuoteIdent(db));
          if (!made.ok()) return Fail(made.status().message());
        }
        auto conn = Connect(dsn_for(db));
        if (!conn.ok()) return Fail(conn.status().message());
        if (!sample.empty()) {
          Status st = LoadTickit(conn->get(), sample_scale);
          if (!st.ok()) return Fail(st.message());
        }
        if (Status st = PrepareDatabase(conn->get(), config); !st.ok())
          return Fail("database " + db + ": " + st.message());
      }
    }
  }

  // S3: the configured buckets, in a folder of their own.
  std::string s3_temp;
  if (s3_dir.empty()) {
    std::string tmpl = (std::filesystem::temp_directory_path() / "rsx-emulator-s3-XXXXXX").string();
    if (!mkdtemp(tmpl.data())) return Fail("cannot create a temporary folder for S3");
    s3_dir = s3_temp = tmpl;
  }
  struct RemoveTemp {
    std::string dir;
    ~RemoveTemp() {
      std::error_code ec;
      if (!dir.empty()) std::filesystem::remove_all(dir, ec);
    }
  } remove_s3_temp{s3_temp};
  auto store = S3Store::Open(s3_dir);
  if (!store.ok()) return Fail(store.status().message());
  for (const auto& b : config.buckets) {
    if (std::string problem = BucketNameProblem(b.name); !problem.empty())
      return Fail("bucket '" + b.name + "': the name " + problem);
    Status st = (*store)->CreateBucket(b.name, b.account);
    if (!st.ok() && st.code() != StatusCode::kConflict) return Fail(st.message());
  }

  Auth auth(config);
  Engine engine(config, dsn_for);
  S3Api s3(config, auth, **store);
  std::shared_ptr<S3Client> remote_stage;
  if (!s3_endpoint.empty()) {
    const Environment& env = Environment::Process();
    std::string key = env.Get("AWS_ACCESS_KEY_ID").value_or("AKIAEMULATORUNLOADER");
    std::string secret = env.Get("AWS_SECRET_ACCESS_KEY").value_or("emulator/unload/secret");
    MapEnvironment none;
    auto made =
        S3Client::Create(NewCurlHttpClient({}, none),
                         NewStaticCredentialsProvider({key, secret, "", std::nullopt, "emulator"}),
                         config.region, none, s3_endpoint);
    if (!made.ok()) return Fail("--s3-endpoint: " + made.status().message());
    remote_stage = *made;
  }
  Unloader unloader(config, auth, s3, remote_stage);
  engine.SetUnloader(&unloader);
  Server server(config, engine, auth, &s3);
  int bound = server.Bind(host, port);
  if (bound <= 0) return Fail("cannot listen on " + listen);
  std::string address = host + ":" + std::to_string(bound);
  std::thread serving([&] { server.Serve(); });

  if (print_env) {
    const UserConfig* op = config.users.empty() ? nullptr : &config.users[0];
    std::printf("export AWS_ENDPOINT_URL=http://%s\n", address.c_str());
    if (op) {
      std::printf("export AWS_ACCESS_KEY_ID=%s\n", op->access_key_id.c_str());
      std::printf("export AWS_SECRET_ACCESS_KEY=%s\n", op->secret_access_key.c_str());
    }
    std::printf("export AWS_ENDPOINT_URL_S3=http://%s\n", address.c_str());
    std::printf("export AWS_REGION=%s\n", config.region.c_str());
    std::printf("export AWS_DEFAULT_REGION=%s\n", config.region.c_str());
    if (!config.roles.empty()) {
      std::printf("export RSX_ROLE_ARN=%s\n", config.roles[0].arn.c_str());
      std::printf("export RSX_EXTERNAL_ID=%s\n", config.roles[0].external_id.c_str());
    }
    if (!config.workgroups.empty()) {
      std::printf("export RSX_WORKGROUP=%s\n", config.workgroups[0].name.c_str());
      std::printf("export RSX_DATABASE=%s\n", config.workgroups[0].databases[0].c_str());
      for (const auto& b : config.buckets)
        if (b.name == kStageBucket)
          std::printf("export RSX_STAGE=s3://%s/%s\n", kStageBucket, kStagePrefix);
      std::printf("export RSX_EMULATOR_PG_DSN=\"%s\"\n",
                  dsn_for(config.workgroups[0].databases[0]).c_str());
    }
    std::fflush(stdout);
  }
  if (!ready_file.empty()) {
    std::string tmp = ready_file + ".tmp";
    {
      std::ofstream out(tmp);
      out << address << "\n";
    }
    std::rename(tmp.c_str(), ready_file.c_str());
  }
  std::fprintf(stderr, "rsx-emulator: serving on http://%s (region %s)\n", address.c_str(),
               config.region.c_str());

  int sig = 0;
  sigwait(&signals, &sig);
  std::fprintf(stderr, "rsx-emulator: stopping\n");
  engine.StopWaits();
  server.Stop();
  serving.join();
  return 0;  // engine, then cluster, are destroyed here: statements cancelled, PostgreSQL stopped
}
