#include "base/log.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <unistd.h>

#include <atomic>
#include <mutex>
#include <spdlog/details/null_mutex.h>
#include <spdlog/pattern_formatter.h>
#include <spdlog/sinks/base_sink.h>

#include "base/error.hpp"

namespace dc::log {
namespace {

// Where lines go: fd 2 until guard_stderr says otherwise.
std::atomic<int> target{STDERR_FILENO};
std::string prefix;

constexpr unsigned long kPipeFsMagic = 0x50495045;

// One write per line, so lines from concurrent calls appending to one file
// never interleave.
template <typename Mutex>
class LineSink : public spdlog::sinks::base_sink<Mutex> {
 protected:
  void sink_it_(const spdlog::details::log_msg& msg) override {
    const std::string payload = escaped(std::string_view(msg.payload.data(), msg.payload.size()));
    spdlog::details::log_msg line = msg;
    line.payload = payload;
    spdlog::memory_buf_t formatted;
    this->formatter_->format(line, formatted);
    const char* p = formatted.data();
    size_t left = formatted.size();
    while (left > 0) {
      const ssize_t n = ::write(target.load(), p, left);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) return;  // nowhere else to say it
      p += n;
      left -= static_cast<size_t>(n);
    }
  }
  void flush_() override {}
};

bool own_stderr(const std::string& sandbox) {
  struct stat fd2;
  if (::fstat(STDERR_FILENO, &fd2) != 0) return false;
  if (::isatty(STDERR_FILENO)) return true;
  struct stat entry;
  const bool found = ::lstat((sandbox + "/stderr").c_str(), &entry) == 0;
  if (S_ISREG(fd2.st_mode))
    return found && S_ISREG(entry.st_mode) && entry.st_dev == fd2.st_dev && entry.st_ino == fd2.st_ino;
  struct statfs fs;
  const bool pipe = S_ISFIFO(fd2.st_mode) && ::fstatfs(STDERR_FILENO, &fs) == 0 &&
                    static_cast<unsigned long>(fs.f_type) == kPipeFsMagic;
  if (pipe || S_ISSOCK(fd2.st_mode)) return !found || S_ISREG(entry.st_mode);
  return false;
}

}  // namespace

std::string escaped(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  auto byte = [&text](size_t i) { return i < text.size() ? static_cast<unsigned char>(text[i]) : 0u; };
  for (size_t i = 0; i < text.size(); ++i) {
    const unsigned c = byte(i);
    if (c == '\n') {
      out += "\\n";
    } else if (c == '\r') {
      out += "\\r";
    } else if (c == '\t') {
      out += "\\t";
    } else if (c == '\\') {
      out += "\\\\";
    } else if (c < 0x20 || c == 0x7f) {
      out += fmt::format("\\x{:02x}", c);
    } else if (c == 0xc2 && byte(i + 1) >= 0x80 && byte(i + 1) <= 0x9f) {
      // U+0080..U+009F: C1 controls (NEL ends a line, CSI starts an escape).
      out += fmt::format("\\u{{{:04x}}}", byte(++i));
    } else if (c == 0xe2 && byte(i + 1) == 0x80 && (byte(i + 2) == 0xa8 || byte(i + 2) == 0xa9)) {
      // U+2028, U+2029: line and paragraph separators.
      out += fmt::format("\\u{{{:04x}}}", 0x2000u + byte(i + 2) - 0x80);
      i += 2;
    } else {
      out += static_cast<char>(c);
    }
  }
  return out;
}

void init(const std::string& command, const std::string& level, bool threads) {
  spdlog::sink_ptr sink = threads ? spdlog::sink_ptr(std::make_shared<LineSink<std::mutex>>())
                                  : std::make_shared<LineSink<spdlog::details::null_mutex>>();
  auto logger = std::make_shared<spdlog::logger>("docker-containerizer", sink);
  prefix = "docker-containerizer " + command + ": ";
  logger->set_pattern(prefix + "%l: %v");
  auto parsed = spdlog::level::from_str(level);
  if (parsed == spdlog::level::off && level != "off")
    throw Error("unknown log level '" + level + "' (CONTAINERIZER_LOG_LEVEL)");
  logger->set_level(parsed);
  logger->flush_on(spdlog::level::trace);
  spdlog::set_default_logger(logger);
}

void guard_stderr(const std::string& sandbox, const std::string& state_dir) {
  if (target.load() != STDERR_FILENO || own_stderr(sandbox)) return;
  const int fd =
      ::open((state_dir + "/stderr.log").c_str(), O_WRONLY | O_APPEND | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);
  // Said nowhere rather than on a stderr that may be anyone's file.
  target = fd >= 0 ? fd : ::open("/dev/null", O_WRONLY | O_CLOEXEC);
  // A date in the shared log tells the calls apart.
  spdlog::default_logger()->set_pattern("%Y-%m-%dT%H:%M:%S%z " + prefix + "%l: %v");
}

}  // namespace dc::log
