// Each credential provider of the default chain, with a temporary HOME, files and environment.
// Providers that need STS are exercised against moto in tests/integration/moto_test.cc.

#include "rsx/credentials.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <atomic>
#include <chrono>

#include "aws/credentials_internal.h"
#include "local_server.h"
#include "rsx/strings.h"
#include "test_util.h"

namespace rsx {
namespace {

struct Home {
  test::TempDir dir;
  MapEnvironment env;
  Home() {
    std::filesystem::create_directories(dir.path() / ".aws");
    env.Set("HOME", dir.path().string());
    env.Set("AWS_EC2_METADATA_DISABLED", "true");
  }
  void Config(const std::string& text) { test::WriteFile(dir.path() / ".aws" / "config", text); }
  void Creds(const std::string& text) {
    test::WriteFile(dir.path() / ".aws" / "credentials", text);
  }
  Result<Credentials> Resolve() {
    ChainOptions o;
    o.env = &env;
    return NewDefaultCredentialsChain(nullptr, o)->Get();
  }
};

TEST(Credentials, EnvironmentProvider) {
  Home h;
  h.env.Set("AWS_ACCESS_KEY_ID", "AKIAENVIRONMENT0001");
  h.env.Set("AWS_SECRET_ACCESS_KEY", "envsecret");
  h.env.Set("AWS_SESSION_TOKEN", "envtoken");
  h.Creds("[default]\naws_access_key_id = AKIAFILE\naws_secret_access_key = filesecret\n");
  auto c = h.Resolve();
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(c->access_key_id, "AKIAENVIRONMENT0001");  // environment comes before files
  EXPECT_EQ(c->session_token, "envtoken");
  EXPECT_EQ(c->provider, "environment");
}

TEST(Credentials, PartialEnvironmentIsAnError) {
  Home h;
  h.env.Set("AWS_ACCESS_KEY_ID", "AKIAENVIRONMENT0001");
  auto c = h.Resolve();
  ASSERT_FALSE(c.ok());
  EXPECT_NE(c.status().message().find("AWS_SECRET_ACCESS_KEY is not set"), std::string::npos);
}

TEST(Credentials, SharedCredentialsFileAndProfiles) {
  Home h;
  h.Creds(
      "# comment\n[default]\naws_access_key_id = AKIADEFAULT\naws_secret_access_key = s1\n"
      "[work]\naws_access_key_id=AKIAWORK\naws_secret_access_key=s2 ; inline comment\n"
      "aws_session_token = t2\n");
  h.Config(
      "[profile cfg]\naws_access_key_id = AKIACONFIG\naws_secret_access_key = s3\n"
      "s3 =\n  max_concurrent_requests = 20\n");
  auto c = h.Resolve();
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(c->access_key_id, "AKIADEFAULT");
  EXPECT_EQ(c->provider, "profile default");
  h.env.Set("AWS_PROFILE", "work");
  c = h.Resolve();
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c->access_key_id, "AKIAWORK");
  EXPECT_EQ(c->secret_access_key, "s2");
  EXPECT_EQ(c->session_token, "t2");
  h.env.Set("AWS_PROFILE", "cfg");
  c = h.Resolve();
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c->access_key_id, "AKIACONFIG");
}

TEST(Credentials, FileLocationsFromEnvironment) {
  Home h;
  test::TempDir other;
  test::WriteFile(other.path() / "creds",
                  "[p]\naws_access_key_id = AKIAOTHER\naws_secret_access_key = s\n");
  h.env.Set("AWS_SHARED_CREDENTIALS_FILE", (other.path() / "creds").string());
  h.env.Set("AWS_CONFIG_FILE", (other.path() / "nothing-here").string());
  h.env.Set("AWS_PROFILE", "p");
  auto c = h.Resolve();
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(c->access_key_id, "AKIAOTHER");
}

TEST(Credentials, MissingNamedProfileIsAnError) {
  Home h;
  h.env.Set("AWS_PROFILE", "nope");
  auto c = h.Resolve();
  ASSERT_FALSE(c.ok());
  EXPECT_NE(c.status().message().find("profile 'nope'"), std::string::npos);
  EXPECT_NE(c.status().message().find("AWS_PROFILE"), std::string::npos);
}

TEST(Credentials, UnreadableConfigFileIsAnError) {
  Home h;
  std::filesystem::create_directories(h.dir.path() / ".aws" / "config");  // a directory
  auto c = h.Resolve();
  ASSERT_FALSE(c.ok());
  EXPECT_NE(c.status().message().find("cannot read"), std::string::npos) << c.status().message();
  EXPECT_NE(c.status().message().find(".aws/config"), std::string::npos);
}

TEST(Credentials, MalformedConfigFileNamesTheLine) {
  Home h;
  h.Config("[default]\nregion = eu-west-1\nthis line is not valid\n");
  auto c = h.Resolve();
  ASSERT_FALSE(c.ok());
  EXPECT_NE(c.status().message().find("config:3"), std::string::npos) << c.status().message();
}

TEST(Credentials, ProfileLoopIsDetected) {
  Home h;
  h.Config(
      "[profile a]\nrole_arn = arn:aws:iam::123456789012:role/a\nsource_profile = b\n"
      "[profile b]\nrole_arn = arn:aws:iam::123456789012:role/b\nsource_profile = a\n");
  h.env.Set("AWS_PROFILE", "a");
  auto c = h.Resolve();
  ASSERT_FALSE(c.ok());
  EXPECT_NE(c.status().message().find("profile loop"), std::string::npos) << c.status().message();
  EXPECT_NE(c.status().message().find("a -> b -> a"), std::string::npos) << c.status().message();
}

TEST(Credentials, AssumeRoleProfileValidation) {
  Home h;
  h.Config(
      "[profile r]\nrole_arn = arn:aws:iam::123456789012:role/a\n"
      "source_profile = base\nduration_seconds = 100\n"
      "[profile both]\nrole_arn = arn:aws:iam::123456789012:role/a\n"
      "source_profile = base\ncredential_source = Environment\n"
      "[profile none]\nrole_arn = arn:aws:iam::123456789012:role/a\n"
      "[profile badsrc]\nrole_arn = arn:aws:iam::123456789012:role/a\n"
      "credential_source = Laptop\n");
  struct {
    const char* profile;
    const char* expect;
  } cases[] = {{"r", "900 to 43200"},
               {"both", "both source_profile and credential_source"},
               {"none", "neither source_profile nor credential_source"},
               {"badsrc", "'Laptop' is not one of"}};
  for (const auto& c : cases) {
    h.env.Set("AWS_PROFILE", c.profile);
    auto r = h.Resolve();
    ASSERT_FALSE(r.ok()) << c.profile;
    EXPECT_NE(r.status().message().find(c.expect), std::string::npos) << r.status().message();
  }
}

TEST(Credentials, CredentialProcess) {
  Home h;
  auto script = h.dir.path() / "creds.sh";
  test::WriteFile(script,
                  "#!/bin/sh\necho '{\"Version\": 1, \"AccessKeyId\": \"AKIAPROCESS\", "
                  "\"SecretAccessKey\": \"procsecret\", \"SessionToken\": \"proctoken\", "
                  "\"Expiration\": \"2099-01-01T00:00:00Z\"}'\n");
  chmod(script.c_str(), 0700);
  auto failing = h.dir.path() / "fail.sh";
  test::WriteFile(
      failing,
      "#!/bin/sh\necho "
      "'{\"AccessKeyId\":\"AKIALEAK\",\"SecretAccessKey\":\"leaked-secret\"}'\nexit 3\n");
  chmod(failing.c_str(), 0700);
  h.Config("[default]\ncredential_process = " + script.string() + "\n[profile broken]\n" +
           "credential_process = " + failing.string() + " --flag\n");
  auto c = h.Resolve();
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(c->access_key_id, "AKIAPROCESS");
  EXPECT_EQ(c->session_token, "proctoken");
  EXPECT_EQ(util::FormatIso8601(*c->expiration), "2099-01-01T00:00:00Z");
  h.env.Set("AWS_PROFILE", "broken");
  c = h.Resolve();
  ASSERT_FALSE(c.ok());
  EXPECT_NE(c.status().message().find("exit status 3"), std::string::npos) << c.status().message();
  EXPECT_EQ(c.status().ToString().find("leaked-secret"), std::string::npos);
}

// A credential_process that never exits (it waits on a child that keeps stdout open) must not
// hang rsx: it is stopped, with its process group, after RSX_CREDENTIAL_PROCESS_TIMEOUT.
TEST(Credentials, CredentialProcessThatNeverExitsTimesOut) {
  Home h;
  auto script = h.dir.path() / "hang.sh";
  test::WriteFile(script, "#!/bin/sh\nsleep 300 &\nwait\n");
  chmod(script.c_str(), 0700);
  h.Config("[default]\ncredential_process = " + script.string() + "\n");
  h.env.Set("RSX_CREDENTIAL_PROCESS_TIMEOUT", "1");
  auto t0 = std::chrono::steady_clock::now();
  auto c = h.Resolve();
  auto took = std::chrono::steady_clock::now() - t0;
  ASSERT_FALSE(c.ok());
  EXPECT_NE(c.status().message().find("did not finish within 1 s"), std::string::npos)
      << c.status().message();
  EXPECT_LT(took, std::chrono::seconds(10));
}

TEST(Credentials, ContainerProviderSendsAuthorizationToken) {
  Home h;
  test::LocalServer srv;
  std::atomic<int> calls{0};
  srv.server().Get("/creds", [&](const httplib::Request& req, httplib::Response& res) {
    ++calls;
    if (req.get_header_value("Authorization") != "tok-from-file") {
      res.status = 401;
      return;
    }
    res.set_content(R"({"AccessKeyId":"ASIACONTAINER","SecretAccessKey":"cs","Token":"ct",
                        "Expiration":"2099-01-01T00:00:00Z","RoleArn":"arn:aws:iam::1:role/x"})",
                    "application/json");
  });
  srv.Start();
  test::WriteFile(h.dir.path() / "token", "tok-from-file\n");
  h.env.Set("AWS_CONTAINER_CREDENTIALS_FULL_URI", srv.url() + "/creds");
  h.env.Set("AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE", (h.dir.path() / "token").string());
  ChainOptions o;
  o.env = &h.env;
  auto c = NewDefaultCredentialsChain(NewCurlHttpClient(), o)->Get();
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(c->access_key_id, "ASIACONTAINER");
  EXPECT_EQ(c->session_token, "ct");
  EXPECT_EQ(calls.load(), 1);
}

TEST(Credentials, ContainerFullUriMustBeLocal) {
  Home h;
  h.env.Set("AWS_CONTAINER_CREDENTIALS_FULL_URI", "http://192.0.2.1/creds");
  auto c = h.Resolve();
  ASSERT_FALSE(c.ok());
  EXPECT_NE(c.status().message().find("AWS_CONTAINER_CREDENTIALS_FULL_URI"), std::string::npos);
}

TEST(Credentials, ImdsV2WithEndpointOverride) {
  Home h;
  test::LocalServer srv;
  srv.server().Put("/latest/api/token", [](const httplib::Request& req, httplib::Response& res) {
    if (req.get_header_value("X-aws-ec2-metadata-token-ttl-seconds").empty()) {
      res.status = 400;
      return;
    }
    res.set_content("imds-session-token", "text/plain");
  });
  auto need_token = [](const httplib::Request& req, httplib::Response& res) {
    if (req.get_header_value("X-aws-ec2-metadata-token") != "imds-session-token") {
      res.status = 401;
      return false;
    }
    return true;
  };
  srv.server().Get("/latest/meta-data/iam/security-credentials/",
                   [&](const httplib::Request& req, httplib::Response& res) {
                     if (need_token(req, res)) res.set_content("ec2-role\n", "text/plain");
                   });
  srv.server().Get("/latest/meta-data/iam/security-credentials/ec2-role",
                   [&](const httplib::Request& req, httplib::Response& res) {
                     if (need_token(req, res))
                       res.set_content(R"({"Code":"Success","Type":"AWS-HMAC",
                         "AccessKeyId":"ASIAIMDS","SecretAccessKey":"is","Token":"it",
                         "Expiration":"2099-01-01T00:00:00Z"})",
                                       "application/json");
                   });
  srv.Start();
  MapEnvironment env(
      {{"HOME", h.dir.path().string()}, {"AWS_EC2_METADATA_SERVICE_ENDPOINT", srv.url() + "/"}});
  ChainOptions o;
  o.env = &env;
  auto c = NewDefaultCredentialsChain(NewCurlHttpClient(), o)->Get();
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(c->access_key_id, "ASIAIMDS");
  EXPECT_NE(c->provider.find("ec2-role"), std::string::npos);
}

TEST(Credentials, NothingFoundListsEveryProviderAndWhy) {
  Home h;
  auto c = h.Resolve();
  ASSERT_FALSE(c.ok());
  EXPECT_EQ(c.status().code(), StatusCode::kUnauthenticated);
  const std::string& m = c.status().message();
  for (const char* s : {"environment:", "web identity:", "profile:", "container:",
                        "EC2 instance metadata: AWS_EC2_METADATA_DISABLED=true"})
    EXPECT_NE(m.find(s), std::string::npos) << s << " missing from:\n" << m;
}

TEST(Credentials, DescribeNeverShowsSecrets) {
  Credentials c{"AKIAIOSFODNN7EXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", "TOKEN123456",
                std::nullopt, "environment"};
  std::string d = c.Describe();
  EXPECT_EQ(d.find("wJalr"), std::string::npos);
  EXPECT_EQ(d.find("TOKEN"), std::string::npos);
  EXPECT_EQ(d.find("AKIAIOSFODNN7EXAMPLE"), std::string::npos);  // shortened
  EXPECT_NE(d.find("AKIA...MPLE"), std::string::npos);
}

}  // namespace
}  // namespace rsx
