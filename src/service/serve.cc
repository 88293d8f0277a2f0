// rsx serve: the store, the runner and the HTTP server, and a graceful stop.

#include <httplib.h>
#include <sys/stat.h>

#include <chrono>
#include <cstdio>
#include <thread>

#include "rsx/files.h"
#include "rsx/service.h"
#include "rsx/strings.h"
#include "service/api.h"
#include "service/openapi.h"
#include "service/runner.h"
#include "service/store.h"

namespace rsx {
namespace {

bool IsLoopback(const std::string& host) {
  return host == "127.0.0.1" || host == "localhost" || host == "::1" ||
         util::StartsWith(host, "127.");
}

Status SplitListen(const std::string& listen, std::string* host, int* port) {
  size_t colon = listen.rfind(':');
  std::string p = colon == std::string::npos ? "" : listen.substr(colon + 1);
  if (colon == std::string::npos || colon == 0 || p.empty() || p.size() > 5 ||
      p.find_first_not_of("0123456789") != std::string::npos || std::stoi(p) > 65535)
    return Status::InvalidArgument("--listen: expected host:port (e.g. 127.0.0.1:8080), got \"" +
                                   listen + "\"");
  *host = listen.substr(0, colon);
  if (host->size() > 2 && (*host)[0] == '[') *host = host->substr(1, host->size() - 2);
  *port = std::stoi(p);
  return Status::OK();
}

}  // namespace

Status Serve(const ServeOptions& in) {
  ServeOptions o = in;
  if (!o.runtime) return Status::InvalidArgument("Serve: a Runtime is required");
  if (!o.log)
    o.log = [](std::string_view m) { std::fprintf(stderr, "%.*s\n", (int)m.size(), m.data()); };
  std::string host;
  int port = 0;
  RSX_RETURN_IF_ERROR(SplitListen(o.listen, &host, &port));
  bool tls = !o.tls_cert.empty() || !o.tls_key.empty();
  if (tls && (o.tls_cert.empty() || o.tls_key.empty()))
    return Status::InvalidArgument("--tls-cert and --tls-key go together");
  if (!IsLoopback(host) && !tls && !o.insecure_http)
    return Status::InvalidArgument(
        "--listen " + o.listen +
        ": off this machine the API needs --tls-cert and --tls-key (API keys would otherwise "
        "cross the network in clear text); --insecure-http allows it anyway");
  if (o.admin_token.empty())
    o.log(
        "rsx serve: no admin token (RSX_ADMIN_TOKEN or --admin-token-file): organizations "
        "cannot be created");
  else if (o.admin_token.size() < 16)
    return Status::InvalidArgument("the admin token must be at least 16 characters");
  if (o.workers < 1 || o.workers > 64)
    return Status::InvalidArgument("--workers must be from 1 to 64");
  if (o.rate_limit < 0) return Status::InvalidArgument("--rate-limit must be 0 (off) or positive");
  if (o.min_interval_seconds < 1)
    return Status::InvalidArgument("--min-interval must be at least 1 second");
  if (o.data_dir.empty()) return Status::InvalidArgument("--data-dir is required");
  if (mkdir(o.data_dir.c_str(), 0700) != 0 && errno != EEXIST)
    return Status::IoError("--data-dir " + o.data_dir + ": " + std::strerror(errno));

  RSX_ASSIGN_OR_RETURN(auto store, service::Store::Open(o.store, o.workers + 4));
  // This process is the only one on an SQLite store: runs left "running" belong to a process
  // that died; they go back to the queue and resume from their checkpoints.
  if (!store->shared()) {
    auto n = store->RequeueExpired(INT64_MAX);
    if (n.ok() && *n > 0)
      o.log("rsx serve: " + std::to_string(*n) + " interrupted run(s) back in the queue");
  }

  std::unique_ptr<httplib::Server> server;
  if (tls) {
    auto ssl = std::make_unique<httplib::SSLServer>(o.tls_cert.c_str(), o.tls_key.c_str());
    if (!ssl->is_valid())
      return Status::InvalidArgument("--tls-cert/--tls-key: cannot load the certificate or key");
    server = std::move(ssl);
  } else {
    server = std::make_unique<httplib::Server>();
  }
  server->new_task_queue = [] { return new httplib::ThreadPool(64); };
  server->set_payload_max_length(o.max_body_bytes);
  server->set_read_timeout(10, 0);
  server->set_tcp_nodelay(true);

  service::Metrics metrics;
  service::Runner runner(*store, o, metrics);
  service::ApiContext ctx{*store, o, runner, metrics, service::OpenApiDocument()};
  service::RegisterApi(*server, ctx);

  int bound = port == 0 ? server->bind_to_any_port(host.c_str())
                        : (server->bind_to_port(host.c_str(), port) ? port : -1);
  if (bound <= 0)
    return Status::Unavailable("cannot listen on " + o.listen + " (in use, or not this machine's)");
  runner.Start();
  std::thread http([&] { server->listen_after_bind(); });
  std::string addr =
      (host.find(':') != std::string::npos ? "[" + host + "]" : host) + ":" + std::to_string(bound);
  o.log("rsx serve: listening on " + std::string(tls ? "https://" : "http://") + addr + " (data " +
        o.data_dir + ", worker " + runner.owner() +
        "; the store's address is not logged: it may "
        "hold a password)");
  if (!o.ready_file.empty()) {
    if (Status st = WriteFileAtomic(o.ready_file, addr + "\n", 0644); !st.ok()) {
      server->stop();
      http.join();
      runner.Stop();
      return st;
    }
  }
  while (!(o.stop && o.stop->load())) std::this_thread::sleep_for(std::chrono::milliseconds(100));
  o.log("rsx serve: stopping: no new requests; running syncs stop at their checkpoint");
  server->stop();
  http.join();
  runner.Stop();
  o.log("rsx serve: stopped");
  return Status::OK();
}

}  // namespace rsx
