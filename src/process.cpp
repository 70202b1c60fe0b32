#include "process.hpp"

#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "error.hpp"

extern char** environ;

namespace dc::process {
namespace {

void redirect(int from, int to_fd) {
  if (from >= 0) {
    ::dup2(from, to_fd);
    return;
  }
  int null = ::open("/dev/null", O_RDWR);
  ::dup2(null, to_fd);
  if (null > 2) ::close(null);
}

[[noreturn]] void become(const std::function<int()>& body, int out_fd, int err_fd) {
  redirect(-1, STDIN_FILENO);
  redirect(out_fd, STDOUT_FILENO);
  redirect(err_fd, STDERR_FILENO);
  ::close_range(3, ~0u, 0);
  int code = 1;
  try {
    code = body();
  } catch (...) {
  }
  ::_exit(code);
}

}  // namespace

int detached(const std::function<int()>& body, int out_fd, int err_fd) {
  int report[2];
  if (::pipe2(report, O_CLOEXEC) != 0) throw Error(std::string("pipe: ") + std::strerror(errno));
  pid_t child = ::fork();
  if (child < 0) throw Error(std::string("fork: ") + std::strerror(errno));
  if (child == 0) {
    ::setsid();
    pid_t grandchild = ::fork();
    if (grandchild == 0) {
      ::close(report[0]);
      ::close(report[1]);
      become(body, out_fd, err_fd);
    }
    (void)!::write(report[1], &grandchild, sizeof grandchild);
    ::_exit(grandchild < 0 ? 1 : 0);
  }
  ::close(report[1]);
  pid_t grandchild = -1;
  (void)!::read(report[0], &grandchild, sizeof grandchild);
  ::close(report[0]);
  int ignored;
  while (::waitpid(child, &ignored, 0) < 0 && errno == EINTR) {
  }
  if (grandchild <= 0) throw Error("cannot start a detached process");
  return grandchild;
}

std::map<std::string, std::string> environment() {
  std::map<std::string, std::string> result;
  for (char** entry = environ; *entry; ++entry) {
    std::string text(*entry);
    auto equals = text.find('=');
    if (equals != std::string::npos) result[text.substr(0, equals)] = text.substr(equals + 1);
  }
  return result;
}

}  // namespace dc::process
