#include "protocol/naming.hpp"

#include <cctype>

#include "base/error.hpp"

namespace dc::ids {

bool valid(const std::string& value) {
  auto allowed = [](unsigned char c) { return std::isalnum(c) || c == '_' || c == '.' || c == '-'; };
  bool ok = !value.empty() && value.size() <= 128 && std::isalnum(static_cast<unsigned char>(value[0]));
  for (unsigned char c : value) ok = ok && allowed(c);
  return ok;
}

void validate(const std::string& kind, const std::string& value) {
  if (!valid(value))
    throw Error("invalid " + kind + " '" + value.substr(0, 64) +
                "': expected 1-128 characters of [A-Za-z0-9_.-] starting with a letter or digit");
}

std::string container_name(const std::string& slave_id, const std::string& container_id) {
  return slave_id.empty() ? "mesos-" + container_id : "mesos-" + slave_id + "." + container_id;
}

}  // namespace dc::ids
