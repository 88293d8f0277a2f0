#pragma once
// Identifiers and secrets of the service: object ids, external IDs and API keys, all from the
// OS CSPRNG. API keys are stored as (key id, salt, SHA-256(salt || secret)); the secret is
// shown once, at creation.

#include <string>
#include <string_view>

#include "service/model.h"

namespace rsx::service {

// "<prefix>_" + 32 hex digits (128 random bits): "org_...", "conn_...", "sync_...", "run_...".
std::string NewId(const char* prefix);
// 128 random bits as 32 hex digits: valid for sts:ExternalId and never chosen by a client.
std::string NewExternalId();

struct IssuedKey {
  ApiKey record;      // what the store keeps
  std::string token;  // "rsx_<key id>_<secret>", shown once
};
IssuedKey NewApiKey(const std::string& org_id, const std::string& name, int64_t now);

// Splits a presented token into key id and secret; false when it is not one of ours.
bool ParseApiKey(std::string_view token, std::string* key_id, std::string* secret);
// Does `secret` match the stored salted hash? Compared in constant time.
bool KeyMatches(const ApiKey& stored, std::string_view secret);
// Constant-time comparison of SHA-256 digests of both (for the admin token).
bool SecretEquals(std::string_view a, std::string_view b);

}  // namespace rsx::service
