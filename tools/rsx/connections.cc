// rsx connections add|list|show|remove and rsx policy: saved connections and the IAM policies
// a customer attaches to the role.

#include <cstdio>

#include "commands.h"
#include "connection.h"
#include "rsx/endpoints.h"
#include "rsx/policy.h"
#include "rsx/strings.h"
#include "rsx/workspace.h"

namespace rsx::cli {
namespace {

struct AddOptions {
  ConnectionConfig c;
  std::string schemas, operator_account;
  bool replace = false;
};

// Inside the database the role is its own user, with no privileges until they are granted.
void PrintGrants(const ConnectionConfig& c) {
  auto user = DatabaseUserFor(c.role_arn);
  if (!user.ok()) return;
  bool all = c.schemas.empty();
  std::printf(
      "\nDatabase grants: inside database %s the role is the database user %s, which can read\n"
      "nothing until the database administrator runs (as a superuser or the tables' owner):\n\n",
      c.database.c_str(), QuoteSqlIdentifier(*user).c_str());
  std::printf("%s",
              GrantSql(*user, all ? std::vector<std::string>{"<schema>"} : c.schemas).c_str());
  if (all)
    std::printf(
        "\n(once per schema to read, in place of <schema>; `rsx check %s` prints the exact lines\n"
        "for every schema once the role can connect, or add the connection with --schemas)\n",
        c.name.c_str());
}

// With a stage for UNLOAD: what the role rsx assumes and the namespace's role need on it.
void PrintStagePolicies(const ConnectionConfig& c) {
  if (c.unload.stage.empty()) return;
  auto p = StagePolicy(c.unload.stage, PartitionOf(c.role_arn));
  if (!p.ok()) return;
  std::string role = c.unload.iam_role.empty() || c.unload.iam_role == "default"
                         ? "the namespace's default IAM role"
                         : c.unload.iam_role;
  std::printf(
      "\nStage policy for UNLOAD (attach to the role %s as well; it reads, lists and deletes\n"
      "only under %s):\n%s\n",
      c.role_arn.c_str(), c.unload.stage.c_str(), p->connector.c_str());
  std::printf(
      "\nStage policy for Redshift (attach to %s, which UNLOAD writes with;\n"
      "it must be associated with the workgroup's namespace):\n%s\n",
      role.c_str(), p->redshift.c_str());
}

int PrintPolicies(const ConnectionConfig& c, const std::string& external_id,
                  const std::string& account, const std::string& scope) {
  std::printf("Permission policy (attach to the role %s):\n%s\n\n", c.role_arn.c_str(),
              PermissionPolicy(scope).c_str());
  std::printf("Trust policy (the role's trust relationship):\n%s\n",
              TrustPolicy(account, external_id, PartitionOf(c.role_arn)).c_str());
  PrintStagePolicies(c);
  PrintGrants(c);
  return 0;
}

int RunAdd(AddOptions o) {
  if (!o.schemas.empty()) o.c.schemas = util::Split(o.schemas, ',');
  auto ws = Workspace::Open();
  if (!ws.ok()) return ReportError(ws.status());
  if (Status st = ValidateConnection(o.c); !st.ok()) return ReportError(st);
  auto external_id =
      o.c.external_id.empty() ? ws->ExternalId() : Result<std::string>(o.c.external_id);
  if (!external_id.ok()) return ReportError(external_id.status());
  auto account = OperatorAccount(*ProcessRuntime(), o.c, o.operator_account);
  if (!account.ok() && account.status().code() == StatusCode::kInvalidArgument)
    return ReportError(account.status());
  if (Status st = ws->AddConnection(o.c, o.replace); !st.ok()) return ReportError(st);
  std::printf("Saved connection '%s' (%s / %s / %s) in %s.\n\n", o.c.name.c_str(),
              o.c.region.c_str(), o.c.workgroup.c_str(), o.c.database.c_str(), ws->dir().c_str());
  std::printf(
      "External ID: %s\n  (%s; give it to the customer for the trust policy)\n\n",
      external_id->c_str(),
      o.c.external_id.empty() ? "this workspace's, generated once" : "this connection's own");
  if (account.ok()) {
    PrintPolicies(o.c, *external_id, *account, "");
  } else {
    std::printf("Permission policy (attach to the role %s):\n%s\n\n", o.c.role_arn.c_str(),
                PermissionPolicy().c_str());
    PrintStagePolicies(o.c);
    std::fprintf(stderr,
                 "rsx: could not find your AWS account for the trust policy (%s);\n"
                 "  print it with: rsx policy %s --operator-account <your 12-digit account>\n",
                 account.status().message().c_str(), o.c.name.c_str());
    PrintGrants(o.c);
  }
  std::printf(
      "\nNext: once the customer has created the role with both policies, run\n  rsx check %s\n",
      o.c.name.c_str());
  return 0;
}

}  // namespace

void AddConnectionsCommand(CLI::App& app, Runner* run) {
  CLI::App* group =
      app.add_subcommand("connections", "Saved connections (in RSX_HOME, default ~/.rsx).");
  group->require_subcommand(1);

  auto add = std::make_shared<AddOptions>();
  CLI::App* a = group->add_subcommand(
      "add",
      "Save a connection, then print the external ID, the permission and trust policies\n"
      "for the customer's role, the GRANT statements for its database user, and the next step.");
  a->add_option("name", add->c.name, "connection name")->required();
  a->add_option("--region", add->c.region, "AWS region of the workgroup")->required();
  a->add_option("--workgroup", add->c.workgroup, "Redshift Serverless workgroup name")->required();
  a->add_option("--database", add->c.database, "database")->required();
  a->add_option("--role-arn", add->c.role_arn,
                "the customer's role, arn:aws:iam::<account>:role/<name>")
      ->required();
  a->add_option("--external-id", add->c.external_id,
                "this connection's own external ID (default: the workspace's)");
  a->add_option("--schemas", add->schemas,
                "comma-separated schemas to discover and sync (default: all)");
  a->add_option("--endpoint-url", add->c.endpoint_url, "Data API endpoint override");
  a->add_option("--sts-endpoint-url", add->c.sts_endpoint_url, "STS endpoint override");
  a->add_option("--max-concurrent-statements", add->c.max_concurrent_statements,
                "statements at once (1-200, default 4)");
  a->add_option("--statement-timeout-seconds", add->c.statement_timeout_seconds,
                "cancel a statement that runs longer (default 0: 1 hour for syncs; "
                "--statement-timeout overrides)");
  a->add_flag("--allow-insecure-http", add->c.allow_insecure_http,
              "accept http:// endpoints on another host (token and SQL in clear text)");
  a->add_option("--long-polling", add->c.long_polling,
                "wait for statements in the Data API's long polls: auto (default: where the "
                "endpoint has them), on or off")
      ->check(CLI::IsMember({"auto", "on", "off"}));
  AddUnloadFlags(a, &add->c.unload);
  a->add_flag("--no-credential-cache{false}", add->c.credential_cache,
              "never keep this connection's role credentials on disk between commands");
  a->add_option("--operator-account", add->operator_account,
                "your AWS account for the trust policy (default: from STS)");
  a->add_flag("--replace", add->replace, "replace a connection of the same name");
  a->callback([run, add] { *run = [add] { return RunAdd(*add); }; });

  CLI::App* l = group->add_subcommand("list", "List saved connections.");
  l->callback([run] {
    *run = [] {
      auto ws = Workspace::Open();
      if (!ws.ok()) return ReportError(ws.status());
      auto all = ws->ListConnections();
      if (!all.ok()) return ReportError(all.status());
      for (const auto& c : *all)
        std::printf("%-24s %-14s %-24s %-16s %s\n", c.name.c_str(), c.region.c_str(),
                    c.workgroup.c_str(), c.database.c_str(), c.role_arn.c_str());
      if (all->empty())
        std::fprintf(stderr, "no connections yet: add one with `rsx connections add`\n");
      return 0;
    };
  });

  auto show_name = std::make_shared<std::string>();
  CLI::App* s = group->add_subcommand(
      "show", "Print a saved connection as JSON (the Airbyte/Singer config).");
  s->add_option("name", *show_name, "connection name")->required();
  s->callback([run, show_name] {
    *run = [show_name] {
      auto ws = Workspace::Open();
      if (!ws.ok()) return ReportError(ws.status());
      auto c = ws->GetConnection(*show_name);
      if (!c.ok()) return ReportError(c.status());
      std::printf("%s\n", c->ToJson(2).c_str());
      return 0;
    };
  });

  auto rm_name = std::make_shared<std::string>();
  CLI::App* r = group->add_subcommand("remove", "Forget a saved connection.");
  r->add_option("name", *rm_name, "connection name")->required();
  r->callback([run, rm_name] {
    *run = [rm_name] {
      auto ws = Workspace::Open();
      if (!ws.ok()) return ReportError(ws.status());
      if (Status st = ws->RemoveConnection(*rm_name); !st.ok()) return ReportError(st);
      std::fprintf(stderr, "removed connection '%s'\n", rm_name->c_str());
      return 0;
    };
  });
}

void AddPolicyCommand(CLI::App& app, Runner* run) {
  struct PolicyOptions {
    std::string name, scope, account;
  };
  auto o = std::make_shared<PolicyOptions>();
  CLI::App* p = app.add_subcommand(
      "policy",
      "Print the permission and trust policies for a connection's role, as valid JSON, then the\n"
      "GRANT statements its database user needs.");
  p->add_option("name", o->name, "connection name")->required();
  p->add_option("--scope-workgroup", o->scope,
                "limit workgroup actions to this workgroup ARN, "
                "arn:aws:redshift-serverless:<region>:<account>:workgroup/<id>");
  p->add_option("--operator-account", o->account,
                "your AWS account for the trust policy (default: from STS)");
  p->callback([run, o] {
    *run = [o] {
      if (!o->scope.empty() && o->scope.find(":redshift-serverless:") == std::string::npos)
        return ReportError(Status::InvalidArgument(
            "--scope-workgroup '" + o->scope +
            "' must be a workgroup ARN: "
            "arn:aws:redshift-serverless:<region>:<account>:workgroup/<id>"));
      auto ws = Workspace::Open();
      if (!ws.ok()) return ReportError(ws.status());
      auto c = ws->GetConnection(o->name);
      if (!c.ok()) return ReportError(c.status());
      auto id = c->external_id.empty() ? ws->ExternalId() : Result<std::string>(c->external_id);
      if (!id.ok()) return ReportError(id.status());
      auto account = OperatorAccount(*ProcessRuntime(), *c, o->account);
      if (!account.ok())
        return ReportError(
            Status(account.status())
                .Prepend(
                    "cannot find your AWS account for the trust policy (pass --operator-account)"));
      return PrintPolicies(*c, *id, *account, o->scope);
    };
  });
}

}  // namespace rsx::cli
