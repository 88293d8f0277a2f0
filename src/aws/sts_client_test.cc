#include <gtest/gtest.h>

#include "fake_http.h"
#include "rsx/strings.h"
#include "rsx/sts.h"

namespace rsx {
namespace {

const char* kAssumeRoleOk =
    R"(<AssumeRoleResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">
  <AssumeRoleResult>
    <AssumedRoleUser>
      <Arn>arn:aws:sts::210987654321:assumed-role/rsx-reader/sess</Arn>
      <AssumedRoleId>AROA3XFRBF535PLBIFPI4:sess</AssumedRoleId>
    </AssumedRoleUser>
    <Credentials>
      <AccessKeyId>ASIAEXAMPLEKEY123456</AccessKeyId>
      <SecretAccessKey>tempSecretValue/abc</SecretAccessKey>
      <SessionToken>FwoGZXIvYXdzEXAMPLETOKEN</SessionToken>
      <Expiration>2026-11-29T13:00:00Z</Expiration>
    </Credentials>
    <NewMember>ignored</NewMember>
  </AssumeRoleResult>
  <ResponseMetadata><RequestId>c6104cbe-af31-11e0-8154-cbc7ccf896c7</RequestId></ResponseMetadata>
</AssumeRoleResponse>)";

const char* kAccessDenied = R"(<ErrorResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">
  <Error><Type>Sender</Type><Code>AccessDenied</Code>
    <Message>User: arn:aws:iam::111122223333:user/op is not authorized to perform: sts:AssumeRole on resource: arn:aws:iam::210987654321:role/rsx-reader</Message>
  </Error>
  <RequestId>4d2fe0cd-1111-2222-3333-444455556666</RequestId>
</ErrorResponse>)";

struct Fixture {
  std::shared_ptr<test::FakeHttpClient> http = std::make_shared<test::FakeHttpClient>();
  MapEnvironment env;
  std::shared_ptr<StsClient> sts;
  std::shared_ptr<CredentialsProvider> base = NewStaticCredentialsProvider(
      {"AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", "", std::nullopt, "test"});
  Fixture() {
    StsOptions o;
    o.region = "eu-west-1";
    o.env = &env;
    o.max_attempts = 3;
    sts = *StsClient::Create(http, o);
    sts->TEST_SetSleeper([](std::chrono::milliseconds) {});
  }
};

AssumeRoleParams GoodParams() {
  return {"arn:aws:iam::210987654321:role/rsx-reader", "3f0c2c35-aaaa-4bbb-8ccc-0123456789ab",
          "sess", 3600};
}

TEST(StsClient, AssumeRoleSendsQueryProtocolAndParsesCredentials) {
  Fixture f;
  f.http->PushStatus(200, kAssumeRoleOk);
  auto r = f.sts->AssumeRole(*f.base, GoodParams());
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->credentials.access_key_id, "ASIAEXAMPLEKEY123456");
  EXPECT_EQ(r->credentials.session_token, "FwoGZXIvYXdzEXAMPLETOKEN");
  EXPECT_EQ(util::FormatIso8601(*r->credentials.expiration), "2026-11-29T13:00:00Z");
  EXPECT_EQ(r->arn, "arn:aws:sts::210987654321:assumed-role/rsx-reader/sess");

  auto reqs = f.http->requests();
  ASSERT_EQ(reqs.size(), 1u);
  EXPECT_EQ(reqs[0].url, "https://sts.eu-west-1.amazonaws.com/");
  EXPECT_EQ(reqs[0].body,
            "Action=AssumeRole&Version=2011-06-15&RoleArn=arn%3Aaws%3Aiam%3A%3A210987654321%3A"
            "role%2Frsx-reader&RoleSessionName=sess&DurationSeconds=3600&ExternalId=3f0c2c35-"
            "aaaa-4bbb-8ccc-0123456789ab");
  std::string auth;
  for (const auto& [n, v] : reqs[0].headers)
    if (n == "Authorization") auth = v;
  EXPECT_NE(auth.find("/eu-west-1/sts/aws4_request"), std::string::npos) << auth;
}

TEST(StsClient, AccessDeniedExplainsTrustPolicyAndExternalId) {
  Fixture f;
  f.http->PushStatus(403, kAccessDenied);
  auto r = f.sts->AssumeRole(*f.base, GoodParams());
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kPermissionDenied);
  const std::string& m = r.status().message();
  EXPECT_NE(m.find("trust policy"), std::string::npos) << m;
  EXPECT_NE(m.find("sts:ExternalId"), std::string::npos) << m;
  EXPECT_NE(m.find("3f0c2c35-aaaa-4bbb-8ccc-0123456789ab"), std::string::npos) << m;
  EXPECT_EQ(r.status().detail("aws_error"), "AccessDenied");
  EXPECT_EQ(r.status().detail("request_id"), "4d2fe0cd-1111-2222-3333-444455556666");
  EXPECT_EQ(f.http->requests().size(), 1u) << "AccessDenied must not be retried";
}

TEST(StsClient, InvalidTokenSaysBaseCredentialsAreRejected) {
  Fixture f;
  f.http->PushStatus(403, R"(<ErrorResponse><Error><Code>InvalidClientTokenId</Code>
    <Message>The security token included in the request is invalid.</Message></Error>
    <RequestId>r-1</RequestId></ErrorResponse>)");
  auto r = f.sts->GetCallerIdentity(*f.base);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kUnauthenticated);
  EXPECT_NE(r.status().message().find("base AWS credentials were rejected"), std::string::npos);
  EXPECT_NE(r.status().message().find("InvalidClientTokenId"), std::string::npos);
}

TEST(StsClient, BadInputIsRejectedWithoutANetworkCall) {
  Fixture f;
  struct BadCase {
    AssumeRoleParams p;
    std::string expect;
  } cases[] = {
      {{"arn:aws:iam::12345:role/x", "", "", 3600}, "role ARN"},
      {{"arn:aws:s3:::bucket", "", "", 3600}, "role ARN"},
      {{"arn:aws:iam::123456789012:user/x", "", "", 3600}, "role ARN"},
      {{"arn:aws-moon:iam::123456789012:role/x", "", "", 3600}, "role ARN"},
      {{"arn:aws:iam::1234567890123:role/x", "", "", 3600}, "role ARN"},
      {{"arn:aws:iam::12345678901a:role/x", "", "", 3600}, "role ARN"},
      {{"arn:aws:iam::123456789012:role/", "", "", 3600}, "role ARN"},
      {{"arn:aws:iam::123456789012:role/a//x", "", "", 3600}, "role ARN"},
      {{"arn:aws:iam::123456789012:role/x y", "", "", 3600}, "role ARN"},
      {{"arn:aws:iam::123456789012:role/" + std::string(65, 'x'), "", "", 3600}, "role ARN"},
      {{"arn:aws:iam::123456789012:role/x", "", "b", 3600}, "session name"},
      {{"arn:aws:iam::123456789012:role/x", "", std::string(65, 'x'), 3600}, "session name"},
      {{"arn:aws:iam::123456789012:role/x", "a", "", 3600}, "external ID"},
      {{"arn:aws:iam::123456789012:role/x", "has space", "", 3600}, "external ID"},
      {{"arn:aws:iam::123456789012:role/x", std::string(1225, 'x'), "", 3600}, "external ID"},
      {{"arn:aws:iam::123456789012:role/x", "", "bad name!", 3600}, "session name"},
      {{"arn:aws:iam::123456789012:role/x", "", "", 899}, "900 to 43200"},
      {{"arn:aws:iam::123456789012:role/x", "", "", 43201}, "900 to 43200"},
  };
  for (const auto& c : cases) {
    auto r = f.sts->AssumeRole(*f.base, c.p);
    ASSERT_FALSE(r.ok()) << c.expect;
    EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
    EXPECT_NE(r.status().message().find(c.expect), std::string::npos) << r.status().message();
  }
  EXPECT_TRUE(f.http->requests().empty());
  // The limits themselves are accepted.
  EXPECT_TRUE(ValidateAssumeRoleParams({"arn:aws-cn:iam::123456789012:role/path/to/x",
                                        std::string(1224, 'x'), "ab", 43200})
                  .ok());
  EXPECT_TRUE(ValidateAssumeRoleParams(
                  {"arn:aws-us-gov:iam::123456789012:role/x", "a:b/c=d,e.f@g-h_i+j", "", 900})
                  .ok());
  EXPECT_TRUE(ValidateAssumeRoleParams({"arn:aws:iam::123456789012:role/" + std::string(64, 'x'),
                                        "ab", std::string(64, 'y'), 3600})
                  .ok());
  EXPECT_TRUE(ValidateAssumeRoleParams(
                  {"arn:aws-iso-b:iam::123456789012:role/svc-role/a+b=c,d.e@f-g_h", "", "", 3600})
                  .ok());
}

TEST(StsClient, MalformedAnswerIsAClearError) {
  Fixture f;
  f.http->PushStatus(200, "<AssumeRoleResponse><AssumeRoleResult>");
  auto r = f.sts->AssumeRole(*f.base, GoodParams());
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("malformed XML"), std::string::npos);
}

}  // namespace
}  // namespace rsx
