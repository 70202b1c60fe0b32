#include "options.hpp"

#include <CLI/CLI.hpp>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <regex>
#include <sstream>

#include "base/error.hpp"
#include "base/text.hpp"
#include "host/files.hpp"
#include "protocol/naming.hpp"
#include "zookeeper.hpp"

namespace dc::framework {

std::vector<std::string> split(const std::string& text, char separator) {
  std::vector<std::string> parts;
  std::istringstream in(text);
  for (std::string part; std::getline(in, part, separator);) parts.push_back(part);
  if (!text.empty() && text.back() == separator) parts.emplace_back();
  return parts;
}

namespace {

const char* const kUsage =
    R"(usage: launch-container --master MASTER [options] [--] COMMAND [ARG...]
       launch-container --master MASTER [options] IMAGE COMMAND [ARG...]
Runs COMMAND as one task in a Docker container somewhere on a Mesos cluster
(v1 scheduler HTTP API), prints its status updates, tails its stdout and
stderr from the agent, and exits with its exit code. Ctrl-C kills the task.
The second form, without --image: the first word is the image.
  --master MASTER       the cluster's masters: zk://[USER:PASS@]HOST:PORT[,...]/PATH
                        (the leader in ZooKeeper), file://PATH holding such a URL,
                        or HOST:PORT[,HOST:PORT...] (a non-leader redirects)
  --image IMAGE         image to run (default: $MESOS_DEFAULT_CONTAINER_IMAGE)
  --cpus N              cpus asked for (default 0.5)
  --mem MIB             memory in MiB (default 128)
  --env NAME=VALUE      environment variable (repeatable)
  --network MODE        host (default), bridge, none or user
  --volume HOST:CONTAINER[:ro]   bind mount on the agent (repeatable)
  --volume named:NAME:CONTAINER[:ro][,driver=DRIVER][,opt=KEY=VALUE...]
                        a docker named volume on the agent (kept after the task)
  --volume persistent:ID:CONTAINER[:ro][,size=MIB]   the role's persistent volume ID
                        from the offer, else RESERVEd and CREATEd of its disk
                        (default 64 MiB; needs --role and --principal)
  --uri URL[,extract=false][,executable][,cache]   fetched into the sandbox (repeatable)
  --user USER           run the task as this user
  --id ID               task id (default: a fresh one)
  --role ROLE           the framework's role (default *)
  --principal NAME      principal, also for HTTP basic auth (default: $DEFAULT_PRINCIPAL)
  --secret-file PATH    the principal's secret, the file's first line
                        (or $DEFAULT_SECRET; --secret SECRET shows it in ps)
  --timeout SECONDS     how long to wait for the leading master, then for an
                        offer that fits (default 60)
  --failover-timeout S  how long the master keeps the task when this program is
                        gone, and how long a lost master is looked for again
                        (default 120; 0: the task ends with the connection)
  --health-cmd CMD      a health check: CMD through /bin/sh -c in the task's container;
                        the health changes are printed
  --health-delay S      seconds before the first check (default 15)
  --health-interval S   seconds between checks (default 10)
  --health-timeout S    a check's time limit (default 20)
  --health-retries N    failed checks in a row that kill the task (default 3)
  --health-grace S      seconds from the start in which failures do not count (default 10)
One COMMAND word runs through /bin/sh -c; several run as an argv.
)";

// Options all take a value: the command starts at `--` (`dashes` set) or at
// the first word that is neither an option nor an option's value (as in the
// local mode).
std::vector<std::string> split_command(int argc, const char* const* argv, std::vector<std::string>& flags,
                                       bool& dashes) {
  dashes = false;
  int i = 1;
  while (i < argc) {
    const std::string word = argv[i];
    if (word == "--") {
      dashes = true;
      return {argv + i + 1, argv + argc};
    }
    if (word.empty() || word[0] != '-') break;
    flags.push_back(word);
    const bool takes_value = word.find('=') == std::string::npos && word != "-h" && word != "--help";
    if (takes_value && i + 1 < argc) flags.push_back(argv[++i]);
    ++i;
  }
  return {argv + i, argv + argc};
}

void require(bool ok, const std::string& message) {
  if (!ok) throw Error(message);
}

std::string lower(std::string text) {
  for (auto& c : text) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return text;
}

// Could be a docker image reference: what a command word (a path, a shell
// line) is not. Docker checks the rest.
bool image_like(const std::string& word) {
  static const std::regex reference("[A-Za-z0-9][A-Za-z0-9._:/@-]*");
  return std::regex_match(word, reference);
}

void check_master(const std::string& master) {
  require(!master.empty(), "--master is required");
  if (master.rfind("zk://", 0) == 0) {
    zk::parse_url(master);
    return;
  }
  if (master.rfind("file://", 0) == 0) return;  // read when the run starts
  for (const auto& one : split(master, ','))
    require(one.find(':') != std::string::npos && one.find('/') == std::string::npos,
            "--master must be HOST:PORT[,HOST:PORT...], zk://... or file://..., not '" + zk::redacted(master) + "'");
}

// zk:// credentials on the command line, as --secret: warned of (main
// hides them from ps, but only once it runs).
void warn_of_credentials(Options& o) {
  if (o.master.rfind("zk://", 0) == 0 && !zk::parse_url(o.master).credentials.empty())
    o.warnings.push_back("zk:// credentials in --master are visible in ps until launch-container starts; "
                         "put the URL in a file and use --master file://PATH");
}

// The secret without --secret: the file's first line, else $DEFAULT_SECRET.
void read_secret(const std::string& file, Options& o) {
  if (!file.empty()) {
    // The operator's own file, or pipe (<(...)): trusted, read bounded; any
    // failure is one refusal.
    const auto text = files::try_read_file(file, 1 << 20, files::Also::pipe);
    require(text.has_value(), "cannot read --secret-file " + file);
    o.secret = text->substr(0, text->find('\n'));
    require(!o.secret.empty(), "--secret-file " + file + " is empty");
  } else if (o.secret.empty()) {
    if (const char* secret = std::getenv("DEFAULT_SECRET")) o.secret = secret;
  } else {
    o.warnings.push_back("--secret is visible to every user in ps; use --secret-file or DEFAULT_SECRET");
  }
}

void check(const Options& o) {
  check_master(o.master);
  require(!o.image.empty(), "no --image, no IMAGE before the command and no MESOS_DEFAULT_CONTAINER_IMAGE");
  require(o.cpus > 0, "--cpus must be positive");
  require(o.mem > 0, "--mem must be positive");
  require(o.timeout > 0, "--timeout must be positive");
  require(o.failover_timeout >= 0, "--failover-timeout must not be negative");
  require(!o.command.empty(), "no COMMAND to run");
  require(o.secret.empty() || !o.principal.empty(),
          "a secret (--secret, --secret-file, DEFAULT_SECRET) needs --principal or DEFAULT_PRINCIPAL");
  require(!o.role.empty(), "--role must not be empty");
  for (double seconds : {o.health_delay, o.health_interval, o.health_timeout, o.health_grace})
    require(seconds >= 0,
            "--health-delay, --health-interval, --health-timeout and --health-grace must not be negative");
  ids::validate("task id", o.id);
  const std::string network = lower(o.network);
  require(network == "host" || network == "bridge" || network == "none" || network == "user",
          "--network must be host, bridge, none or user, not '" + o.network + "'");
  for (const auto& e : o.env)
    require(e.find('=') != std::string::npos && e[0] != '=', "--env must be NAME=VALUE, not '" + e + "'");
}

// A named volume's `,driver=D` and `,opt=K=V` fields.
void add_named_fields(const std::vector<std::string>& fields, const std::string& text,
                      mesos::Volume::Source::DockerVolume& volume) {
  for (size_t i = 1; i < fields.size(); ++i) {
    const std::string& field = fields[i];
    const auto equals = field.find('=', 4);
    if (field.rfind("driver=", 0) == 0)
      volume.set_driver(field.substr(7));
    else if (field.rfind("opt=", 0) == 0 && equals != std::string::npos && equals > 4) {
      auto* option = volume.mutable_driver_options()->add_parameter();
      option->set_key(field.substr(4, equals - 4));
      option->set_value(field.substr(equals + 1));
    } else
      require(false, "--volume " + text + ": '" + field + "' is not driver=DRIVER or opt=KEY=VALUE");
  }
}

PersistentVolume persistent_volume(const std::string& text) {
  const auto fields = split(text.substr(11), ',');
  const auto parts = split(fields.empty() ? "" : fields[0], ':');
  PersistentVolume v;
  bool ok = (parts.size() == 2 || parts.size() == 3) && !parts[0].empty() && !parts[1].empty() &&
            (parts.size() == 2 || parts[2] == "ro" || parts[2] == "rw") && fields.size() <= 2;
  if (ok && fields.size() == 2) {
    ok = fields[1].rfind("size=", 0) == 0;
    try {
      v.size = ok ? std::stod(fields[1].substr(5)) : 0;
    } catch (const std::exception&) {
      ok = false;
    }
    ok = ok && v.size > 0;
  }
  require(ok, "--volume persistent: must be persistent:ID:CONTAINER[:ro|:rw][,size=MIB], not '" + text + "'");
  v.id = parts[0];
  v.container_path = parts[1];
  v.readonly = parts.size() == 3 && parts[2] == "ro";
  return v;
}

bool is_persistent(const std::string& text) { return text.rfind("persistent:", 0) == 0; }

// HOST:CONTAINER[:ro|:rw], or named:NAME:CONTAINER[:ro|:rw][,driver=D][,opt=K=V...].
mesos::Volume volume(const std::string& text) {
  const bool named = text.rfind("named:", 0) == 0;
  const auto fields = named ? split(text.substr(6), ',') : std::vector<std::string>{text};
  const auto parts = split(fields.empty() ? "" : fields[0], ':');
  const bool ok = (parts.size() == 2 || parts.size() == 3) && !parts[0].empty() && !parts[1].empty() &&
                  (parts.size() == 2 || parts[2] == "ro" || parts[2] == "rw");
  require(ok, "--volume must be HOST:CONTAINER[:ro|:rw] or named:NAME:CONTAINER[:ro|:rw][,driver=D][,opt=K=V], not '" +
                  text + "'");
  mesos::Volume v;
  if (named) {
    v.mutable_source()->set_type(mesos::Volume::Source::DOCKER_VOLUME);
    v.mutable_source()->mutable_docker_volume()->set_name(parts[0]);
    add_named_fields(fields, text, *v.mutable_source()->mutable_docker_volume());
  } else {
    v.set_host_path(parts[0]);
  }
  v.set_container_path(parts[1]);
  v.set_mode(parts.size() == 3 && parts[2] == "ro" ? mesos::Volume::RO : mesos::Volume::RW);
  return v;
}

mesos::CommandInfo::URI uri(const std::string& text) {
  const auto parts = split(text, ',');
  require(!parts.empty() && !parts[0].empty(), "--uri needs a URL");
  mesos::CommandInfo::URI u;
  u.set_value(parts[0]);
  for (size_t i = 1; i < parts.size(); ++i) {
    if (parts[i] == "extract=false") u.set_extract(false);
    else if (parts[i] == "extract" || parts[i] == "extract=true") u.set_extract(true);
    else if (parts[i] == "executable") u.set_executable(true);
    else if (parts[i] == "cache") u.set_cache(true);
    else throw Error("--uri " + parts[0] + ": unknown attribute '" + parts[i] +
                     "' (known: extract=false, executable, cache)");
  }
  return u;
}

}  // namespace

std::string usage() { return kUsage; }

void hide_credentials(int argc, char** argv) {
  for (int i = 1; i < argc; ++i) {
    char* url = std::strstr(argv[i], "zk://");
    if (!url) continue;
    char* start = url + 5;
    char* end = start + std::strcspn(start, "/");
    char* at = nullptr;
    for (char* c = start; c < end; ++c)
      if (*c == '@') at = c;
    if (at) std::fill(start, at, '*');
  }
}

Options parse(int argc, const char* const* argv, bool& help) {
  Options o;
  if (const char* principal = std::getenv("DEFAULT_PRINCIPAL")) o.principal = principal;
  std::vector<std::string> flags;
  bool dashes = false;
  o.command = split_command(argc, argv, flags, dashes);
  help = false;
  for (const auto& flag : flags) help = help || flag == "-h" || flag == "--help";
  if (help) return o;

  CLI::App app;
  app.set_help_flag();
  app.add_option("--master", o.master);
  app.add_option("--image", o.image);
  app.add_option("--cpus", o.cpus);
  app.add_option("--mem", o.mem);
  app.add_option("--env", o.env);
  app.add_option("--network", o.network);
  app.add_option("--volume", o.volumes);
  app.add_option("--uri", o.uris);
  app.add_option("--user", o.user);
  app.add_option("--id", o.id);
  app.add_option("--role", o.role);
  app.add_option("--principal", o.principal);
  app.add_option("--secret", o.secret);
  std::string secret_file;
  app.add_option("--secret-file", secret_file);
  app.add_option("--timeout", o.timeout);
  app.add_option("--failover-timeout", o.failover_timeout);
  app.add_option("--health-cmd", o.health_cmd);
  app.add_option("--health-delay", o.health_delay);
  app.add_option("--health-interval", o.health_interval);
  app.add_option("--health-timeout", o.health_timeout);
  app.add_option("--health-retries", o.health_retries);
  app.add_option("--health-grace", o.health_grace);
  std::vector<std::string> reversed(flags.rbegin(), flags.rend());  // CLI11 parses from the back
  try {
    app.parse(reversed);
  } catch (const CLI::ParseError& e) {
    throw Error(e.what());
  }
  require(o.secret.empty() || secret_file.empty(), "--secret and --secret-file: give one");
  read_secret(secret_file, o);
  if (o.image.empty() && !dashes && o.command.size() >= 2) {  // IMAGE COMMAND...
    o.image = o.command.front();
    o.command.erase(o.command.begin());
    require(image_like(o.image), "'" + o.image +
                                     "' is not an image: without --image the first of several words is the IMAGE "
                                     "(after -- they are all the command, in $MESOS_DEFAULT_CONTAINER_IMAGE)");
  }
  if (o.image.empty())
    if (const char* image = std::getenv("MESOS_DEFAULT_CONTAINER_IMAGE")) o.image = image;
  if (o.id.empty()) o.id = "launch-" + std::to_string(std::time(nullptr)) + "-" + std::to_string(::getpid());
  check(o);
  warn_of_credentials(o);
  o.network = lower(o.network);
  for (const auto& v : o.volumes) is_persistent(v) ? void(persistent_volume(v)) : void(volume(v));
  require(persistent_volumes(o).empty() || (o.role != "*" && !o.principal.empty()),
          "--volume persistent: needs --role and --principal: a persistent volume is reserved for a role");
  for (const auto& u : o.uris) uri(u);
  return o;
}

mesos::CommandInfo command_info(const Options& o) {
  mesos::CommandInfo command;
  command.set_value(o.command[0]);
  command.set_shell(o.command.size() == 1);
  if (o.command.size() > 1)
    for (const auto& arg : o.command) command.add_arguments(arg);
  for (const auto& e : o.env) {
    auto* variable = command.mutable_environment()->add_variables();
    const size_t equals = e.find('=');
    variable->set_name(e.substr(0, equals));
    variable->set_value(e.substr(equals + 1));
  }
  for (const auto& u : o.uris) *command.add_uris() = uri(u);
  if (!o.user.empty()) command.set_user(o.user);
  return command;
}

std::optional<mesos::HealthCheck> health_check(const Options& o) {
  if (o.health_cmd.empty()) return std::nullopt;
  mesos::HealthCheck check;
  check.mutable_command()->set_value(o.health_cmd);
  check.set_delay_seconds(o.health_delay);
  check.set_interval_seconds(o.health_interval);
  check.set_timeout_seconds(o.health_timeout);
  check.set_consecutive_failures(o.health_retries);
  check.set_grace_period_seconds(o.health_grace);
  return check;
}

mesos::ContainerInfo container_info(const Options& o) {
  mesos::ContainerInfo container;
  container.set_type(mesos::ContainerInfo::DOCKER);
  auto* docker = container.mutable_docker();
  docker->set_image(o.image);
  const std::string name = text::upper(o.network);
  mesos::ContainerInfo::DockerInfo::Network network = mesos::ContainerInfo::DockerInfo::HOST;
  mesos::ContainerInfo::DockerInfo::Network_Parse(name, &network);  // checked by parse()
  docker->set_network(network);
  for (const auto& v : o.volumes)
    if (!is_persistent(v)) *container.add_volumes() = volume(v);
  return container;
}

std::vector<PersistentVolume> persistent_volumes(const Options& o) {
  std::vector<PersistentVolume> volumes;
  for (const auto& v : o.volumes)
    if (is_persistent(v)) volumes.push_back(persistent_volume(v));
  return volumes;
}

}  // namespace dc::framework
