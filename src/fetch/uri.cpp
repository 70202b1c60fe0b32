#include "fetch/uri.hpp"

#include <algorithm>
#include <cctype>
#include <cstdint>
#include <cstdio>

#include "error.hpp"

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

std::string join(const std::vector<std::string>& parts) {
  std::string path;
  for (const auto& part : parts) path += (path.empty() ? "" : "/") + part;
  return path;
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

Scheme scheme_of(const std::string& value) {
  if (starts_with_scheme(value, "http://") || starts_with_scheme(value, "https://")) return Scheme::http;
  if (value.find("://") == std::string::npos || starts_with_scheme(value, "file://")) return Scheme::local;
  return Scheme::other;
}

std::string scheme_name(const std::string& value) {
  size_t colon = value.find("://");
  return colon == std::string::npos ? value.substr(0, value.find(':')) : value.substr(0, colon);
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
  return join(parts);
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

std::string cache_key(const std::string& value) {
  // FNV-1a, 64 bits: a file name, not a defence (the cache holds only what
  // this host's frameworks asked for).
  uint64_t hash = 14695981039346656037ull;
  for (unsigned char c : value) hash = (hash ^ c) * 1099511628211ull;
  char hex[17];
  std::snprintf(hex, sizeof hex, "%016llx", static_cast<unsigned long long>(hash));
  std::string base = value.substr(value.rfind('/') + 1).substr(0, 64);
  for (auto& c : base)
    if (!isalnum(static_cast<unsigned char>(c)) && c != '.' && c != '-' && c != '_') c = '_';
  return std::string(hex) + "-" + base;
}

}  // namespace dc::fetch
