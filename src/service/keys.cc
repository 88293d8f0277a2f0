#include "service/keys.h"

#include "rsx/crypto.h"
#include "rsx/strings.h"

namespace rsx::service {
namespace {

bool DigestsEqual(const std::string& a, const std::string& b) {
  if (a.size() != b.size()) return false;
  unsigned char diff = 0;
  for (size_t i = 0; i < a.size(); ++i) diff |= static_cast<unsigned char>(a[i] ^ b[i]);
  return diff == 0;
}

bool IsHex(std::string_view s) { return s.find_first_not_of("0123456789abcdef") == s.npos; }

}  // namespace

std::string NewId(const char* prefix) {
  return std::string(prefix) + "_" + util::HexEncode(crypto::RandomBytes(16));
}

std::string NewExternalId() { return util::HexEncode(crypto::RandomBytes(16)); }

IssuedKey NewApiKey(const std::string& org_id, const std::string& name, int64_t now) {
  IssuedKey k;
  k.record.id = util::HexEncode(crypto::RandomBytes(8));
  k.record.org_id = org_id;
  k.record.name = name;
  k.record.salt = util::HexEncode(crypto::RandomBytes(16));
  std::string secret = util::HexEncode(crypto::RandomBytes(32));
  k.record.hash = crypto::Sha256Hex(k.record.salt + secret);
  k.record.created_at = now;
  k.token = "rsx_" + k.record.id + "_" + secret;
  return k;
}

bool ParseApiKey(std::string_view token, std::string* key_id, std::string* secret) {
  // rsx_ + 16 hex + _ + 64 hex
  if (token.size() != 4 + 16 + 1 + 64 || token.substr(0, 4) != "rsx_" || token[20] != '_')
    return false;
  std::string_view id = token.substr(4, 16), sec = token.substr(21);
  if (!IsHex(id) || !IsHex(sec)) return false;
  *key_id = std::string(id);
  *secret = std::string(sec);
  return true;
}

bool KeyMatches(const ApiKey& stored, std::string_view secret) {
  return DigestsEqual(crypto::Sha256Hex(stored.salt + std::string(secret)), stored.hash);
}

bool SecretEquals(std::string_view a, std::string_view b) {
  return DigestsEqual(crypto::Sha256(a), crypto::Sha256(b));
}

}  // namespace rsx::service
