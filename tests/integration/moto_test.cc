// rsx against moto_server (an AWS emulator no one here wrote): whoami with and without a role,
// assume-role profiles with source_profile and external_id, web identity, STS errors, and
// secret hygiene of everything printed.

#include <gtest/gtest.h>

#include <mutex>
#include <nlohmann/json.hpp>

#include "decode/page_decoder.h"
#include "moto_server.h"
#include "rsx/credentials.h"
#include "rsx/data_api.h"
#include "rsx/http.h"
#include "rsx/statement_runner.h"
#include "rsx/strings.h"
#include "test_util.h"

namespace rsx {
namespace {

const char* kKeyId = "AKIAIOSFODNN7EXAMPLE";
const char* kSecret = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";
const char* kToken = "FQoGZXIvYXdzBASEsessionTOKENmarker";
const char* kRole = "arn:aws:iam::123456789012:role/customer-reader";
const char* kExternalId = "3f0c2c35-aaaa-4bbb-8ccc-0123456789ab";

std::vector<std::string> BaseEnv(const std::string& endpoint) {
  return {"PATH=" + std::string(getenv("PATH")),
          "HOME=/nonexistent-home",
          "AWS_EC2_METADATA_DISABLED=true",
          std::string("AWS_ACCESS_KEY_ID=") + kKeyId,
          std::string("AWS_SECRET_ACCESS_KEY=") + kSecret,
          "AWS_ENDPOINT_URL=" + endpoint,
          "AWS_REGION=eu-west-1"};
}

void ExpectNoSecrets(const test::ProcessResult& r) {
  for (const std::string& text : {r.out, r.err}) {
    EXPECT_EQ(text.find(kSecret), std::string::npos) << text;
    EXPECT_EQ(text.find(kToken), std::string::npos) << text;
  }
}

// Records request bodies on the way to the real transport.
class RecordingHttp : public HttpClient {
 public:
  explicit RecordingHttp(std::shared_ptr<HttpClient> inner) : inner_(std::move(inner)) {}
  Result<HttpResponse> Send(const HttpRequest& req) override {
    {
      std::lock_guard<std::mutex> lock(mu_);
      bodies_.push_back(req.body);
    }
    return inner_->Send(req);
  }
  std::vector<std::string> bodies() {
    std::lock_guard<std::mutex> lock(mu_);
    return bodies_;
  }

 private:
  std::shared_ptr<HttpClient> inner_;
  std::mutex mu_;
  std::vector<std::string> bodies_;
};

TEST(Moto, WhoamiWithoutRole) {
  test::MotoServer moto;
  ASSERT_TRUE(moto.ok()) << moto.log();
  auto env = BaseEnv(moto.url());
  env.push_back(std::string("AWS_SESSION_TOKEN=") + kToken);
  auto r = test::RunProcess({RSX_BINARY, "whoami"}, env);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("123456789012"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("arn:aws:sts::123456789012:user/moto"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("from environment"), std::string::npos) << r.out;
  EXPECT_EQ(r.out.find("Assumed role"), std::string::npos);
  ExpectNoSecrets(r);
}

TEST(Moto, WhoamiAssumesRoleWithExternalId) {
  test::MotoServer moto;
  ASSERT_TRUE(moto.ok()) << moto.log();
  auto env = BaseEnv(moto.url());
  env.push_back(std::string("AWS_SESSION_TOKEN=") + kToken);
  auto r = test::RunProcess({RSX_BINARY, "whoami", "--role-arn", kRole, "--external-id",
                             kExternalId, "--session-name", "rsx-test", "--json"},
                            env);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto j = nlohmann::json::parse(r.out);
  EXPECT_EQ(j["base"]["account"], "123456789012");
  EXPECT_EQ(j["base"]["provider"], "environment");
  EXPECT_EQ(j["assumed"]["arn"], "arn:aws:sts::123456789012:assumed-role/customer-reader/rsx-test");
  EXPECT_EQ(j["assumed"]["external_id"], kExternalId);
  auto exp = util::ParseTimestamp(j["assumed"]["expiration"].get<std::string>());
  ASSERT_TRUE(exp.ok()) << exp.status().ToString();
  auto left = std::chrono::duration_cast<std::chrono::minutes>(*exp - Clock::Real().Now()).count();
  EXPECT_GT(left, 50);
  EXPECT_LE(left, 60);
  ExpectNoSecrets(r);

  auto text = test::RunProcess(
      {RSX_BINARY, "whoami", "--role-arn", kRole, "--external-id", kExternalId}, env);
  ASSERT_EQ(text.exit_code, 0) << text.err;
  EXPECT_NE(text.out.find("Assumed role"), std::string::npos);
  EXPECT_NE(text.out.find("assumed-role/customer-reader/rsx-"), std::string::npos) << text.out;
  ExpectNoSecrets(text);
}

TEST(Moto, StsErrorBecomesAClearMessage) {
  // With INITIAL_NO_AUTH_ACTION_COUNT=0 moto checks every request's credentials: ours are
  // unknown to it, as a revoked key would be to AWS.
  test::MotoServer moto(std::map<std::string, std::string>{{"INITIAL_NO_AUTH_ACTION_COUNT", "0"}});
  ASSERT_TRUE(moto.ok()) << moto.log();
  auto env = BaseEnv(moto.url());
  env.push_back(std::string("AWS_SESSION_TOKEN=") + kToken);
  auto r = test::RunProcess(
      {RSX_BINARY, "whoami", "--role-arn", kRole, "--external-id", kExternalId}, env);
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("base AWS credentials were rejected"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("InvalidClientTokenId"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("request_id"), std::string::npos) << r.err;
  ExpectNoSecrets(r);
}

TEST(Moto, WhoamiBadInputMakesNoNetworkCall) {
  // Nothing listens at this endpoint: a network call would show up as a connection error.
  auto env = BaseEnv("http://127.0.0.1:" + std::to_string(test::FreePort()));
  struct {
    std::vector<std::string> args;
    std::string expect;
  } cases[] = {
      {{"--role-arn", "arn:aws:iam::12345:role/x"}, "role ARN"},
      {{"--role-arn", kRole, "--external-id", "x"}, "external ID"},
      {{"--role-arn", kRole, "--external-id", "bad id!"}, "external ID"},
      {{"--role-arn", kRole, "--duration", "60"}, "900 to 43200"},
      {{"--external-id", kExternalId}, "--role-arn"},
      {{"--region", "Mars"}, "region"},
  };
  for (const auto& c : cases) {
    std::vector<std::string> argv = {RSX_BINARY, "whoami"};
    argv.insert(argv.end(), c.args.begin(), c.args.end());
    auto r = test::RunProcess(argv, env);
    EXPECT_EQ(r.exit_code, 2) << c.expect << ": " << r.err;
    EXPECT_NE(r.err.find(c.expect), std::string::npos) << r.err;
    EXPECT_EQ(r.err.find("failed"), std::string::npos) << "made a network call? " << r.err;
  }
  // A config file that cannot be read is a clear error too.
  test::TempDir dir;
  auto env2 = env;
  env2.erase(env2.begin() + 3, env2.begin() + 5);            // no keys in the environment
  env2.push_back("AWS_CONFIG_FILE=" + dir.path().string());  // a directory
  auto r = test::RunProcess({RSX_BINARY, "whoami"}, env2);
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("cannot read " + dir.path().string()), std::string::npos) << r.err;
}

TEST(Moto, AssumeRoleProfileWithSourceProfileAndExternalId) {
  test::MotoServer moto;
  ASSERT_TRUE(moto.ok()) << moto.log();
  test::TempDir home;
  std::filesystem::create_directories(home.path() / ".aws");
  test::WriteFile(home.path() / ".aws" / "config",
                  std::string("[profile customer]\nrole_arn = ") + kRole +
                      "\nsource_profile = base\nexternal_id = " + kExternalId +
                      "\nrole_session_name = rsx-profile\nduration_seconds = 1800\n"
                      "region = eu-west-1\n");
  test::WriteFile(home.path() / ".aws" / "credentials",
                  std::string("[base]\naws_access_key_id = ") + kKeyId +
                      "\naws_secret_access_key = " + kSecret + "\n");
  MapEnvironment env({{"HOME", home.path().string()},
                      {"AWS_PROFILE", "customer"},
                      {"AWS_ENDPOINT_URL_STS", moto.url()},
                      {"AWS_EC2_METADATA_DISABLED", "true"}});
  auto http = std::make_shared<RecordingHttp>(NewCurlHttpClient());
  ChainOptions o;
  o.env = &env;
  auto chain = NewDefaultCredentialsChain(http, o);
  auto c = chain->Get();
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_NE(c->access_key_id, kKeyId);
  EXPECT_FALSE(c->session_token.empty());
  ASSERT_TRUE(c->expiration.has_value());
  EXPECT_EQ(c->provider, std::string("assume-role ") + kRole);
  auto bodies = http->bodies();
  ASSERT_EQ(bodies.size(), 1u);
  EXPECT_NE(bodies[0].find("Action=AssumeRole"), std::string::npos);
  EXPECT_NE(bodies[0].find(std::string("ExternalId=") + kExternalId), std::string::npos)
      << bodies[0];
  EXPECT_NE(bodies[0].find("RoleSessionName=rsx-profile"), std::string::npos);
  EXPECT_NE(bodies[0].find("DurationSeconds=1800"), std::string::npos);
  // Cached: a second Get makes no new call.
  ASSERT_TRUE(chain->Get().ok());
  EXPECT_EQ(http->bodies().size(), 1u);
}

TEST(Moto, WebIdentityFromEnvironment) {
  test::MotoServer moto;
  ASSERT_TRUE(moto.ok()) << moto.log();
  test::TempDir dir;
  test::WriteFile(dir.path() / "token", "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJyc3gifQ.c2ln\n");
  MapEnvironment env({{"HOME", dir.path().string()},
                      {"AWS_WEB_IDENTITY_TOKEN_FILE", (dir.path() / "token").string()},
                      {"AWS_ROLE_ARN", kRole},
                      {"AWS_ROLE_SESSION_NAME", "rsx-web"},
                      {"AWS_ENDPOINT_URL", moto.url()},
                      {"AWS_EC2_METADATA_DISABLED", "true"}});
  ChainOptions o;
  o.env = &env;
  auto c = NewDefaultCredentialsChain(NewCurlHttpClient(), o)->Get();
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_FALSE(c->session_token.empty());
  EXPECT_EQ(c->provider, std::string("web identity ") + kRole);
}

std::shared_ptr<DataApiClient> MotoDataApi(const test::MotoServer& moto) {
  auto creds = NewStaticCredentialsProvider({kKeyId, kSecret, "", std::nullopt, "test"});
  MapEnvironment env;
  auto c = DataApiClient::Create(NewCurlHttpClient(), creds,
                                 {"us-east-1", "default", "dev", moto.url()}, env);
  EXPECT_TRUE(c.ok()) << c.status().ToString();
  return *c;
}

// moto reports every statement STARTED forever: the runner must hit its timeout, cancel the
// statement and confirm it is no longer running.
TEST(Moto, StatementThatNeverFinishesTimesOutAndIsCancelled) {
  test::MotoServer moto;
  ASSERT_TRUE(moto.ok()) << moto.log();
  auto client = MotoDataApi(moto);
  RunOptions o;
  o.timeout = std::chrono::milliseconds(300);
  auto t0 = std::chrono::steady_clock::now();
  auto r = RunStatement(*client, "select 1", o, nullptr);
  auto took = std::chrono::steady_clock::now() - t0;
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kTimeout);
  EXPECT_EQ(r.status().detail("cancelled"), "yes, confirmed");
  EXPECT_LT(took, std::chrono::seconds(3));
  auto d = client->DescribeStatement(r.status().detail("statement_id"));
  ASSERT_TRUE(d.ok()) << d.status().ToString();
  EXPECT_EQ(d->status, "ABORTED");
}

// moto predates long polling and ignores WaitTimeSeconds: the first submit finds that out (no
// Status in its answer), and the statement is polled; later requests do not send the field.
TEST(Moto, EndpointWithoutLongPollingFallsBackToPolling) {
  test::MotoServer moto;
  ASSERT_TRUE(moto.ok()) << moto.log();
  auto creds = NewStaticCredentialsProvider({kKeyId, kSecret, "", std::nullopt, "test"});
  auto http = std::make_shared<RecordingHttp>(NewCurlHttpClient());
  MapEnvironment env;
  auto client =
      DataApiClient::Create(http, creds, {"us-east-1", "default", "dev", moto.url()}, env);
  ASSERT_TRUE(client.ok()) << client.status().ToString();
  ASSERT_TRUE((*client)->UseLongPolling());
  RunOptions o;
  o.timeout = std::chrono::milliseconds(300);
  auto r = RunStatement(**client, "select 1", o, nullptr);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kTimeout);  // moto never finishes a statement
  EXPECT_FALSE((*client)->UseLongPolling());
  EXPECT_NE((*client)->LongPollingFallback().find("ignored WaitTimeSeconds"), std::string::npos)
      << (*client)->LongPollingFallback();
  auto bodies = http->bodies();
  ASSERT_GE(bodies.size(), 3u);  // the submit, status checks, the cancel
  EXPECT_NE(bodies[0].find("\"WaitTimeSeconds\":1"), std::string::npos) << bodies[0];
  for (size_t i = 1; i < bodies.size(); ++i)
    EXPECT_EQ(bodies[i].find("WaitTimeSeconds"), std::string::npos) << bodies[i];
  // Another client of the same endpoint in this process does not ask again.
  auto again = DataApiClient::Create(http, creds, {"us-east-1", "default", "dev", moto.url()}, env);
  ASSERT_TRUE(again.ok());
  EXPECT_FALSE((*again)->UseLongPolling());
}

TEST(Moto, CannedResultParses) {
  test::MotoServer moto;
  ASSERT_TRUE(moto.ok()) << moto.log();
  auto client = MotoDataApi(moto);
  ExecuteRequest req;
  req.sql = "select * from addresses";
  auto exec = client->ExecuteStatement(req);
  ASSERT_TRUE(exec.ok()) << exec.status().ToString();
  auto body = client->GetStatementResultPage(exec->id, "", false);
  ASSERT_TRUE(body.ok()) << body.status().ToString();
  PageDecoder decoder;
  DecodedPage page;
  std::string raw = *body;
  Status st = decoder.DecodeJson(*body, &page);
  ASSERT_TRUE(st.ok()) << st.ToString() << "\n" << raw;
  ASSERT_EQ(page.num_rows, 3u);
  ASSERT_EQ(page.columns.size(), 3u);
  EXPECT_EQ(page.at(0, 0).l, 10);
  EXPECT_EQ(page.at(2, 2).text, "Seattle");
  EXPECT_EQ(page.columns[1].name, "Street");
  // moto sends "NextToken": null (read as the last page) and names the count
  // "TotalNumberRows" (an unknown member, ignored).
  EXPECT_EQ(page.next_token, "");
  EXPECT_EQ(page.total_rows, -1);
}

}  // namespace
}  // namespace rsx
