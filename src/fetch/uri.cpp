#include "fetch/uri.hpp"

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <cstring>

#include "base/error.hpp"
#include "base/text.hpp"

namespace dc::fetch {
namespace {

bool starts_with(const std::string& text, const std::string& prefix) {
  return text.compare(0, prefix.size(), prefix) == 0;
}

// Schemes and host names are case-insensitive (RFC 3986): FILE:// is file://,
// and must meet the same checks. `prefix` is lower case.
bool starts_with_scheme(const std::string& text, const std::string& prefix) {
  return text.size() >= prefix.size() &&
         std::equal(prefix.begin(), prefix.end(), text.begin(),
                    [](char lower, char c) { return lower == std::tolower(static_cast<unsigned char>(c)); });
}

bool ends_with(const std::string& text, const std::string& suffix) {
  return text.size() >= suffix.size() && text.compare(text.size() - suffix.size(), suffix.size(), suffix) == 0;
}

// Path components without the empty and "." ones.
std::vector<std::string> components(const std::string& path) {
  std::vector<std::string> parts;
  size_t start = 0;
  while (start <= path.size()) {
    size_t end = path.find('/', start);
    if (end == std::string::npos) end = path.size();
    std::string part = path.substr(start, end - start);
    if (!part.empty() && part != ".") parts.push_back(part);
    start = end + 1;
  }
  return parts;
}

}  // namespace

std::vector<Uri> uris_of(const mesos::containerizer::Launch& launch) {
  std::vector<Uri> result;
  std::vector<std::string> seen;
  for (const auto* command : {&launch.task_info().command(), &launch.executor_info().command()})
    for (const auto& uri : command->uris()) {
      std::string bytes = uri.SerializeAsString();
      bool repeated = false;
      for (const auto& other : seen) repeated = repeated || other == bytes;
      if (repeated) continue;
      seen.push_back(bytes);
      result.push_back(uri);
    }
  return result;
}

void validate(const std::string& value) {
  for (unsigned char c : value)
    if (c <= ' ' || c == 0x7f)
      throw Error("the URI holds whitespace or a control character (byte " + std::to_string(c) + ")");
}

Scheme scheme_of(const std::string& value) {
  const std::string name = scheme_name(value);
  if (name.empty()) {
    // Not a scheme, so not a path either: Mesos would see one in it.
    if (value.find("://") != std::string::npos) throw Error("the URI's scheme is malformed");
    return Scheme::local;
  }
  if (starts_with_scheme(value, "http://") || starts_with_scheme(value, "https://")) return Scheme::http;
  if (starts_with_scheme(value, "file://")) return Scheme::local;
  return Scheme::other;
}

std::string scheme_name(const std::string& value) {
  const size_t end = value.find("://");
  if (end == std::string::npos || end == 0 || !isalpha(static_cast<unsigned char>(value[0]))) return "";
  for (size_t i = 1; i < end; ++i)
    if (!isalnum(static_cast<unsigned char>(value[i])) && !strchr("+.-", value[i])) return "";
  return value.substr(0, end);
}

std::string redacted(const std::string& value) {
  std::string shown;
  for (unsigned char c : value) {
    char escaped[5];
    std::snprintf(escaped, sizeof escaped, "\\x%02x", c);
    shown += c <= ' ' || c >= 0x7f || c == '\\' ? std::string(escaped) : std::string(1, static_cast<char>(c));
  }
  const size_t start = shown.find("://");
  if (start == std::string::npos) return shown;
  const size_t at = shown.rfind('@', shown.find_first_of("/?#", start + 3));
  if (at == std::string::npos || at < start + 3) return shown;
  return shown.substr(0, start + 3) + "***@" + shown.substr(at + 1);
}

std::string local_path(const std::string& value) {
  std::string path = value;
  for (const char* prefix : {"file://localhost", "file://"})
    if (starts_with_scheme(path, prefix)) {
      path = path.substr(std::string(prefix).size());
      break;
    }
  if (!starts_with(path, "/"))
    throw Error("'" + value + "' is not an absolute path (file URIs name a file on this host)");
  return path;
}

std::string output_path(const Uri& uri) {
  const std::string& value = uri.value();
  if (value.find('\0') != std::string::npos) throw Error("the URI holds a NUL character");
  std::string name = uri.output_file();
  if (name.empty()) {
    std::string path = value;
    size_t scheme = path.find("://");
    if (scheme != std::string::npos) {
      path = path.substr(scheme + 3);
      size_t slash = path.find('/');
      path = slash == std::string::npos ? "" : path.substr(slash);
    }
    if (scheme_of(value) == Scheme::http) path = path.substr(0, path.find_first_of("?#"));
    name = path.substr(path.rfind('/') + 1);
    if (name.empty() || name == "." || name == "..")
      throw Error("the URI names no file (nothing after its last '/'); set output_file");
  }
  auto relative = entry_path(name);
  if (!relative || relative->empty() || name[0] == '/')
    throw Error("output_file '" + name + "' must be a path inside the sandbox");
  return *relative;
}

Archive archive_of(const std::string& name) {
  for (const char* ending : {".tar", ".tgz", ".tar.gz", ".tbz2", ".tar.bz2", ".txz", ".tar.xz"})
    if (ends_with(name, ending)) return Archive::tar;
  if (ends_with(name, ".zip")) return Archive::zip;
  if (ends_with(name, ".gz")) return Archive::gzip;
  return Archive::none;
}

std::string gunzipped_path(const std::string& name) {
  return ends_with(name, ".gz") ? name.substr(0, name.size() - 3) : name;
}

std::optional<std::string> entry_path(const std::string& name) {
  if (starts_with(name, "/")) return std::nullopt;
  auto parts = components(name);
  for (const auto& part : parts)
    if (part == "..") return std::nullopt;
  return text::join(parts, "/");
}

bool link_stays_inside(const std::string& entry, const std::string& target) {
  if (target.empty() || starts_with(target, "/")) return false;
  const auto above = components(entry).size();  // the link itself, then its directories
  size_t climbs = 0;
  bool descended = false;
  for (const auto& part : components(target)) {
    if (part != "..") {
      descended = true;
      continue;
    }
    if (descended) return false;
    ++climbs;
  }
  return above > 0 && climbs < above;
}

}  // namespace dc::fetch
