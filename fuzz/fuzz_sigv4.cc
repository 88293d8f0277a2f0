// SigV4 canonicalisation of arbitrary paths, query strings and headers: no crash, and the same
// request signs to the same signature.
#include <cstdint>
#include <string>

#include "fuzz_input.h"
#include "rsx/sigv4.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  rsx::fuzz::Input in(data, size);
  rsx::SigningRequest req;
  req.method = in.Next();
  req.path = in.Next();
  unsigned n = in.Byte() % 8;
  for (unsigned i = 0; i < n; ++i) {
    std::string k = in.Next();
    req.query.emplace_back(k, in.Next());
  }
  req.headers.emplace_back("Host", in.Next());
  n = in.Byte() % 8;
  for (unsigned i = 0; i < n; ++i) {
    std::string k = in.Next();
    req.headers.emplace_back(k, in.Next());
  }
  std::string body = in.Next();
  req.body = body;
  rsx::Credentials creds;
  creds.access_key_id = "AKIDEXAMPLE";
  creds.secret_access_key = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";
  creds.session_token = in.Next();
  rsx::SigningOptions o;
  o.region = "us-east-1";
  o.service = "redshift-data";
  o.time = rsx::TimePoint(std::chrono::seconds(1440938160));
  o.normalize_path = in.Byte() & 1;
  auto a = rsx::SignV4(req, creds, o);
  auto b = rsx::SignV4(req, creds, o);
  if (a.ok() != b.ok() || (a.ok() && a->signature != b->signature)) __builtin_trap();
  return 0;
}
