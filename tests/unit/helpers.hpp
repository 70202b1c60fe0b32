#pragma once
// Small helpers shared by the unit tests: reading fixtures and picking
// options out of a `docker run` argument vector.
#include <algorithm>
#include <catch2/catch.hpp>
#include <fstream>
#include <map>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include "plan/run_argv.hpp"

namespace dc_test {

using Args = std::vector<std::string>;
using Pairs = std::map<std::string, std::string>;

inline std::string fixture(const std::string& name) { return std::string(DC_FIXTURES_DIR) + "/" + name; }

inline std::string slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  REQUIRE(in);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

// Where `--entrypoint <init> <image>` sits: docker's options end there and
// the init's own arguments begin after the image.
inline size_t image_index(const dc::RunPlan& plan) {
  const Args& a = plan.args;
  for (size_t i = 0; i + 2 < a.size(); ++i)
    if (a[i] == "--entrypoint" && a[i + 1] == dc::kInitPath && a[i + 2] == plan.image) return i + 2;
  FAIL("no `--entrypoint " << dc::kInitPath << " " << plan.image << "` in the plan");
  return 0;
}

// docker run's options: everything before the image.
inline Args docker_options(const dc::RunPlan& plan) {
  return Args(plan.args.begin(), plan.args.begin() + static_cast<long>(image_index(plan)));
}

// The init's arguments: everything after the image.
inline Args init_args(const dc::RunPlan& plan) {
  return Args(plan.args.begin() + static_cast<long>(image_index(plan)) + 1, plan.args.end());
}

// The command the init runs: what follows `--checks <socket>`, its last
// option but rotation's and --argv0.
inline Args command_of(const dc::RunPlan& plan) {
  const Args init = init_args(plan);
  auto checks = std::find(init.begin(), init.end(), "--checks");
  REQUIRE(std::distance(checks, init.end()) >= 2);
  return Args(checks + 2, init.end());
}

// Every value given to `option` (e.g. all `-e`), in order.
inline Args values_of(const Args& args, const std::string& option) {
  Args values;
  for (size_t i = 0; i + 1 < args.size(); ++i)
    if (args[i] == option) values.push_back(args[i + 1]);
  return values;
}

// The value of an option given once; nullopt when absent.
inline std::optional<std::string> value_of(const Args& args, const std::string& option) {
  const Args values = values_of(args, option);
  REQUIRE(values.size() <= 1);
  if (values.empty()) return std::nullopt;
  return values[0];
}

inline bool has(const Args& args, const std::string& word) {
  return std::find(args.begin(), args.end(), word) != args.end();
}

// KEY=VALUE strings (`-e`, `--label`) as a map, split at the first '='.
inline Pairs pairs(const Args& values) {
  Pairs result;
  for (const auto& value : values) {
    const size_t equals = value.find('=');
    REQUIRE(equals != std::string::npos);
    result[value.substr(0, equals)] = value.substr(equals + 1);
  }
  return result;
}

inline Pairs environment_of(const dc::RunPlan& plan) { return pairs(values_of(docker_options(plan), "-e")); }
inline Pairs labels_of(const dc::RunPlan& plan) { return pairs(values_of(docker_options(plan), "--label")); }

}  // namespace dc_test
