#pragma once
// SHA-256, HMAC-SHA256, MD5 and random bytes, on OpenSSL libcrypto. Thread-safe.

#include <string>
#include <string_view>

namespace rsx::crypto {

// Raw 32-byte digests.
std::string Sha256(std::string_view data);
std::string HmacSha256(std::string_view key, std::string_view data);
std::string Sha256Hex(std::string_view data);
// MD5 as lower-case hex: S3's ETag of a single-part object (not for security).
std::string Md5Hex(std::string_view data);
std::string Md5(std::string_view data);  // the raw 16 bytes (Content-MD5 is their base64)
// MD5 over data given in pieces.
class Md5Stream {
 public:
  Md5Stream();
  ~Md5Stream();
  Md5Stream(const Md5Stream&) = delete;
  Md5Stream& operator=(const Md5Stream&) = delete;
  void Update(std::string_view data);
  std::string HexDigest();  // once, at the end

 private:
  void* ctx_;  // EVP_MD_CTX
};
// n bytes from the OS CSPRNG (RAND_bytes); aborts if the generator fails.
std::string RandomBytes(size_t n);
// A random UUID v4, lower-case.
std::string RandomUuid();

}  // namespace rsx::crypto
