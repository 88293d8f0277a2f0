// What rsx-emulator parses from a client: the Authorization header and SigV4 verification,
// named SQL parameters, and fault objects posted to /_emulator/faults.
#include <cstdint>
#include <string>

#include "auth.h"
#include "config.h"
#include "fuzz_input.h"
#include "sql_params.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const rsx::emu::EmulatorConfig config =
      rsx::emu::DefaultConfig(rsx::emu::kDefaultExternalId);
  static rsx::emu::Auth auth(config);
  rsx::fuzz::Input in(data, size);
  unsigned char which = in.Byte() % 3;
  if (which == 0) {
    httplib::Request req;
    req.method = "POST";
    req.path = "/";
    req.headers.emplace("Host", "127.0.0.1:1234");
    req.headers.emplace("Authorization", in.Next());
    req.headers.emplace("X-Amz-Date", in.Next());
    std::string token = in.Next();
    if (!token.empty()) req.headers.emplace("X-Amz-Security-Token", token);
    req.headers.emplace("X-Amz-Target", in.Next());
    req.body = in.Next();
    (void)auth.Authenticate(req, in.Byte() & 1 ? "sts" : "redshift-data");
  } else if (which == 1) {
    std::string sql = in.Next();
    std::vector<std::pair<std::string, std::string>> params;
    unsigned n = in.Byte() % 6;
    for (unsigned i = 0; i < n; ++i) {
      std::string k = in.Next();
      params.emplace_back(k, in.Next());
    }
    (void)rsx::emu::BindNamedParams(sql, params);
  } else {
    (void)rsx::emu::ParseFault(in.Next());
  }
  return 0;
}
