#include "pg.h"

#include <fcntl.h>
#include <glob.h>
#include <pwd.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <csignal>
#include <cstdlib>
#include <filesystem>

#include "rsx/policy.h"

namespace rsx::emu {
namespace {

// Runs argv (as `user` when non-empty), stdout/stderr to `log`; returns the exit code.
int Run(const std::vector<std::string>& argv, const std::string& user, const std::string& log) {
  pid_t pid = fork();
  if (pid == 0) {
    FILE* f = std::fopen(log.c_str(), "a");
    if (f) {
      dup2(fileno(f), 1);
      dup2(fileno(f), 2);
    }
    if (!user.empty()) {
      struct passwd* pw = getpwnam(user.c_str());
      if (!pw || setgid(pw->pw_gid) != 0 || setuid(pw->pw_uid) != 0) _exit(126);
    }
    std::vector<char*> a;
    for (const auto& s : argv) a.push_back(const_cast<char*>(s.c_str()));
    a.push_back(nullptr);
    setsid();  // our SIGINT does not reach the server directly; we stop it ourselves
    execv(a[0], a.data());
    _exit(127);
  }
  int status = 0;
  waitpid(pid, &status, 0);
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128;
}

// If this process dies without Stop() (kill -9), a small shell waiting on a pipe sees EOF,
// stops the server at once (SIGQUIT to the postmaster) and removes the folder. The write end
// is close-on-exec, so only this process holds it.
void StartWatchdog(const std::string& dir) {
  int fds[2];
  if (pipe2(fds, O_CLOEXEC) != 0) return;
  pid_t pid = fork();
  if (pid == 0) {
    dup2(fds[0], 0);
    setsid();                 // Ctrl-C on our terminal does not reach it
    signal(SIGINT, SIG_IGN);  // ignored signals stay ignored across exec
    signal(SIGTERM, SIG_IGN);
    std::string script = "read _; p=$(head -n 1 '" + dir + "/data/postmaster.pid' 2>/dev/null); " +
                         "[ -n \"$p\" ] && kill -QUIT \"$p\" 2>/dev/null; sleep 1; rm -rf '" + dir +
                         "'";
    execl("/bin/sh", "sh", "-c", script.c_str(), static_cast<char*>(nullptr));
    _exit(127);
  }
  close(fds[0]);  // fds[1] stays open (and unused) for this process's whole life
}

std::string FindBinDir() {
  if (const char* env = std::getenv("RSX_PG_BINDIR")) return env;
  glob_t g{};
  std::string best;
  if (glob("/usr/lib/postgresql/*/bin/initdb", 0, nullptr, &g) == 0) {
    for (size_t i = 0; i < g.gl_pathc; ++i) best = g.gl_pathv[i];  // sorted: highest last
  }
  globfree(&g);
  if (best.empty()) return "";
  return best.substr(0, best.size() - std::string("/initdb").size());
}

}  // namespace

Result<PgConn> Connect(const std::string& dsn) {
  PgConn c(PQconnectdb((dsn + " options='-c TimeZone=UTC -c DateStyle=ISO'").c_str()));
  if (!c || PQstatus(c.get()) != CONNECTION_OK)
    return Status::Unavailable(std::string("cannot connect to PostgreSQL: ") +
                               (c ? PQerrorMessage(c.get()) : "out of memory"));
  return c;
}

Result<PgResult> Exec(PGconn* conn, const std::string& sql) {
  PgResult r(PQexec(conn, sql.c_str()));
  auto st = r ? PQresultStatus(r.get()) : PGRES_FATAL_ERROR;
  if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK)
    return Status::Internal(std::string("PostgreSQL: ") + PQerrorMessage(conn));
  return r;
}

std::string QuoteIdent(const std::string& name) { return QuoteSqlIdentifier(name); }

std::string DsnWithDatabase(const std::string& base, const std::string& dbname) {
  return base + " dbname='" + dbname + "'";
}

Result<std::unique_ptr<PgCluster>> PgCluster::Start() {
  auto cluster = std::unique_ptr<PgCluster>(new PgCluster());
  cluster->bindir_ = FindBinDir();
  if (cluster->bindir_.empty())
    return Status::NotFound(
        "PostgreSQL server binaries not found under /usr/lib/postgresql/*/bin "
        "(install the 'postgresql' package, or pass --pg-dsn)");
  std::string tmpl = (std::filesystem::temp_directory_path() / "rsx-emulator-pg-XXXXXX").string();
  if (!mkdtemp(tmpl.data())) return Status::IoError("cannot create a temporary directory");
  cluster->dir_ = tmpl;
  std::string user;
  if (geteuid() == 0) {
    user = "postgres";
    struct passwd* pw = getpwnam(user.c_str());
    if (!pw) return Status::NotFound("running as root needs a 'postgres' user to run PostgreSQL");
    if (chown(cluster->dir_.c_str(), pw->pw_uid, pw->pw_gid) != 0)
      return Status::IoError("cannot hand " + cluster->dir_ + " to the postgres user");
  }
  std::string data = cluster->dir_ + "/data", log = cluster->dir_ + "/setup.log";
  int rc = Run({cluster->bindir_ + "/initdb", "-D", data, "-A", "trust", "-U", "postgres",
                "--no-sync", "-E", "UTF8", "--locale=C"},
               user, log);
  if (rc != 0) return Status::Internal("initdb failed (see " + log + ")");
  cluster->running_ = true;
  rc = Run(
      {cluster->bindir_ + "/pg_ctl", "-D", data, "-w", "-l", cluster->dir_ + "/server.log", "-o",
       "-c listen_addresses='' -c unix_socket_directories='" + cluster->dir_ +
           "' -c fsync=off -c synchronous_commit=off -c full_page_writes=off "
           "-c max_connections=300 -c shared_buffers=128MB",
       "start"},
      user, log);
  if (rc != 0)
    return Status::Internal("PostgreSQL did not start (see " + cluster->dir_ + "/server.log)");
  StartWatchdog(cluster->dir_);
  return cluster;
}

void PgCluster::Stop() {
  if (dir_.empty()) return;
  if (running_) {
    Run({bindir_ + "/pg_ctl", "-D", dir_ + "/data", "-m", "fast", "-w", "stop"},
        geteuid() == 0 ? "postgres" : "", "/dev/null");
    running_ = false;
  }
  std::error_code ec;
  std::filesystem::remove_all(dir_, ec);
  dir_.clear();
}

PgCluster::~PgCluster() { Stop(); }

std::string PgCluster::Dsn(const std::string& dbname) const {
  return "host='" + dir_ + "' port=5432 user=postgres dbname='" + dbname + "'";
}

}  // namespace rsx::emu
