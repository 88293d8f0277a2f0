#pragma once
// docs/openapi.json, compiled in (served at /api/v1/openapi.json).

#include <string>

namespace rsx::service {
std::string OpenApiDocument();
}
