// The floor for reading a Data API result: the same GetStatementResult (or V2, for a CSV
// result) pages fetched with libcurl over one keep-alive connection and parsed with simdjson's
// DOM parser, with no output. Nothing is decoded into values and nothing is written, so no
// client that writes rows can use less CPU. The row count is checked against TotalNumRows.
//
// Usage: parse_floor ENDPOINT_URL STATEMENT_ID [json|csv]
// Credentials come from AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN; the
// region from AWS_REGION (default us-east-1). Prints "rows pages bytes" on stdout. With
// PARSE_FLOOR_SAVE=DIR, also writes each page to DIR/page-NNNNN.json (for bench/page_replay).

#include <curl/curl.h>
#include <simdjson.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

#include "rsx/sigv4.h"

namespace {

size_t Append(char* data, size_t size, size_t n, void* out) {
  static_cast<std::string*>(out)->append(data, size * n);
  return size * n;
}

std::string Env(const char* name, const char* fallback = "") {
  const char* v = std::getenv(name);
  return v && *v ? v : fallback;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 3) {
    std::fprintf(stderr, "usage: %s ENDPOINT_URL STATEMENT_ID [json|csv]\n", argv[0]);
    return 2;
  }
  std::string url = argv[1], id = argv[2];
  bool v2 = argc > 3 && std::strcmp(argv[3], "csv") == 0;
  rsx::Credentials creds;
  creds.access_key_id = Env("AWS_ACCESS_KEY_ID");
  creds.secret_access_key = Env("AWS_SECRET_ACCESS_KEY");
  creds.session_token = Env("AWS_SESSION_TOKEN");
  std::string region = Env("AWS_REGION", "us-east-1");
  std::string save_dir = Env("PARSE_FLOOR_SAVE");
  std::string host = url.substr(url.find("://") + 3);
  host = host.substr(0, host.find('/'));
  std::string target = v2 ? "RedshiftData.GetStatementResultV2" : "RedshiftData.GetStatementResult";

  CURL* curl = curl_easy_init();
  std::string response;
  curl_easy_setopt(curl, CURLOPT_URL, url.c_str());
  curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, Append);
  curl_easy_setopt(curl, CURLOPT_WRITEDATA, &response);
  simdjson::dom::parser parser;
  long long rows = 0, total = -1, pages = 0, bytes = 0;
  std::string token;
  do {
    std::string body =
        "{\"Id\":\"" + id + "\"" + (token.empty() ? "" : ",\"NextToken\":\"" + token + "\"") + "}";
    rsx::SigningRequest sreq;
    sreq.method = "POST";
    sreq.headers = {
        {"Host", host}, {"Content-Type", "application/x-amz-json-1.1"}, {"X-Amz-Target", target}};
    sreq.body = body;
    rsx::SigningOptions so;
    so.region = region;
    so.service = "redshift-data";
    so.time = std::chrono::system_clock::now();
    auto signed_req = rsx::SignV4(sreq, creds, so);
    if (!signed_req.ok()) {
      std::fprintf(stderr, "signing: %s\n", signed_req.status().ToString().c_str());
      return 1;
    }
    curl_slist* headers = nullptr;
    for (const auto& [k, v] : sreq.headers)
      if (k != "Host") headers = curl_slist_append(headers, (k + ": " + v).c_str());
    for (const auto& [k, v] : signed_req->headers_to_add)
      headers = curl_slist_append(headers, (k + ": " + v).c_str());
    headers = curl_slist_append(headers, "Expect:");
    curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);
    curl_easy_setopt(curl, CURLOPT_POSTFIELDS, body.c_str());
    curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE, static_cast<long>(body.size()));
    response.clear();
    CURLcode rc = curl_easy_perform(curl);
    curl_slist_free_all(headers);
    long status = 0;
    curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
    if (rc != CURLE_OK || status != 200) {
      std::fprintf(stderr, "page %lld: %s HTTP %ld %s\n", pages + 1, curl_easy_strerror(rc), status,
                   response.c_str());
      return 1;
    }
    simdjson::dom::element doc;
    if (auto err = parser.parse(response).get(doc)) {
      std::fprintf(stderr, "page %lld: %s\n", pages + 1, simdjson::error_message(err));
      return 1;
    }
    ++pages;
    bytes += static_cast<long long>(response.size());
    if (!save_dir.empty()) {  // PARSE_FLOOR_SAVE: each page as it came, for bench/page_replay
      char name[32];
      std::snprintf(name, sizeof name, "/page-%05lld.json", pages);
      FILE* f = std::fopen((save_dir + name).c_str(), "wb");
      if (f == nullptr || std::fwrite(response.data(), 1, response.size(), f) != response.size()) {
        std::fprintf(stderr, "cannot write %s%s\n", save_dir.c_str(), name);
        return 1;
      }
      std::fclose(f);
    }
    if (v2) {
      // Records: [{"CSVRecords": "row\nrow\n..."}].
      for (simdjson::dom::element rec : doc["Records"].get_array()) {
        std::string_view text = rec["CSVRecords"].get_string();
        // A quoted field may hold a newline; count records by scanning quotes too.
        bool quoted = false;
        for (char c : text) {
          if (c == '"')
            quoted = !quoted;
          else if (c == '\n' && !quoted)
            ++rows;
        }
      }
    } else {
      rows += static_cast<long long>(doc["Records"].get_array().size());
    }
    if (total < 0) total = doc["TotalNumRows"].get_int64();
    std::string_view next;
    token = doc["NextToken"].get_string().get(next) ? "" : std::string(next);
  } while (!token.empty());
  curl_easy_cleanup(curl);
  if (rows != total) {
    std::fprintf(stderr, "read %lld rows but TotalNumRows is %lld\n", rows, total);
    return 1;
  }
  std::printf("%lld %lld %lld\n", rows, pages, bytes);
  return 0;
}
