// The HTTP client against a loopback socket that answers with canned bytes:
// the response shapes a Mesos agent sends on /api/v1/executor (libprocess:
// `202 Accepted` with an empty body for calls; for SUBSCRIBE `200 OK` with
// `Transfer-Encoding: chunked`, the RecordIO events as chunks).
#include "http/client.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <functional>
#include <future>
#include <string>
#include <thread>

#include "http/recordio.hpp"

using Catch::Matchers::Contains;
using namespace std::chrono_literals;
namespace http = dc::http;

namespace {

void write_all(int fd, const std::string& bytes) {
  size_t done = 0;
  while (done < bytes.size()) {
    ssize_t n = ::send(fd, bytes.data() + done, bytes.size() - done, MSG_NOSIGNAL);
    if (n <= 0) return;
    done += static_cast<size_t>(n);
  }
}

// Reads one request: the header, then Content-Length bytes of body.
std::string read_request(int fd) {
  std::string text;
  char buffer[4096];
  size_t body_at = std::string::npos;
  size_t length = 0;
  while (body_at == std::string::npos || text.size() < body_at + length) {
    ssize_t n = ::recv(fd, buffer, sizeof buffer, 0);
    if (n <= 0) break;
    text.append(buffer, static_cast<size_t>(n));
    if (body_at == std::string::npos && (body_at = text.find("\r\n\r\n")) != std::string::npos) {
      body_at += 4;
      auto at = text.find("Content-Length: ");
      if (at != std::string::npos && at < body_at) length = std::stoul(text.substr(at + 16));
    }
  }
  return text;
}

// Accepts one connection on 127.0.0.1 and runs `respond` on it with the
// request it read.
class Server {
 public:
  explicit Server(std::function<void(int fd, const std::string& request)> respond) {
    listener_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    REQUIRE(::bind(listener_, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0);
    REQUIRE(::listen(listener_, 1) == 0);
    socklen_t size = sizeof address;
    ::getsockname(listener_, reinterpret_cast<sockaddr*>(&address), &size);
    port_ = ntohs(address.sin_port);
    thread_ = std::thread([this, respond] {
      int fd = ::accept(listener_, nullptr, nullptr);
      if (fd < 0) return;
      request_.set_value(read_request(fd));
      respond(fd, request_future_.get());
      ::close(fd);
    });
  }
  ~Server() {
    ::shutdown(listener_, SHUT_RDWR);
    thread_.join();
    ::close(listener_);
  }
  http::Url url(const std::string& target = "/api/v1/executor") const {
    return http::Url::parse("127.0.0.1:" + std::to_string(port_) + target);
  }
  std::string request() { return request_future_.get(); }

 private:
  int listener_ = -1;
  int port_ = 0;
  std::promise<std::string> request_;
  std::shared_future<std::string> request_future_ = request_.get_future().share();
  std::thread thread_;
};

const std::string kChunkedHeader =
    "HTTP/1.1 200 OK\r\nContent-Type: application/x-protobuf\r\nTransfer-Encoding: chunked\r\n\r\n";

std::string chunk(const std::string& data) {
  char size[32];
  std::snprintf(size, sizeof size, "%zx\r\n", data.size());
  return size + data + "\r\n";
}

}  // namespace

TEST_CASE("Url parses agent endpoints and full URLs") {
  auto url = http::Url::parse("10.0.0.1:5051");
  CHECK(url.host == "10.0.0.1");
  CHECK(url.port == "5051");
  CHECK(url.target == "/");
  url = http::Url::parse("http://master.example:5050/api/v1/scheduler?x=1");
  CHECK(url.host == "master.example");
  CHECK(url.port == "5050");
  CHECK(url.target == "/api/v1/scheduler?x=1");
  CHECK(url.authority() == "master.example:5050");
  url = http::Url::parse("[::1]:5051/api");
  CHECK(url.host == "::1");
  CHECK(url.authority() == "[::1]:5051");
  CHECK(http::Url::parse("localhost").port == "80");
  CHECK_THROWS_WITH(http::Url::parse("https://x:1"), Contains("https is not supported"));
  CHECK_THROWS_WITH(http::Url::parse(":5051"), Contains("no host"));
  CHECK_THROWS_WITH(http::Url::parse("h:0"), Contains("1 to 65535"));
  CHECK_THROWS_WITH(http::Url::parse("h:50x"), Contains("1 to 65535"));
}

TEST_CASE("basic_authorization encodes user:password in base64") {
  // RFC 7617's example.
  CHECK(http::basic_authorization("Aladdin", "open sesame") == "Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ==");
  CHECK(http::basic_authorization("a", "") == "Basic YTo=");
}

TEST_CASE("percent_encode leaves only unreserved characters as they are") {
  CHECK(http::percent_encode("/var/lib/mesos/slaves/S0/runs/c-1_x.y~z/stdout") ==
        "%2Fvar%2Flib%2Fmesos%2Fslaves%2FS0%2Fruns%2Fc-1_x.y~z%2Fstdout");
  CHECK(http::percent_encode("a b&c=d%\xff") == "a%20b%26c%3Dd%25%FF");
}

TEST_CASE("send posts the body and reads a 202 Accepted") {
  Server server([](int fd, const std::string&) { write_all(fd, "HTTP/1.1 202 Accepted\r\nContent-Length: 0\r\n\r\n"); });
  http::Request call{"POST", "/api/v1/executor", {{"Content-Type", "application/x-protobuf"}}, std::string("a\0b", 3)};
  auto response = http::send(server.url(), call, 5s);
  CHECK(response.status == 202);
  CHECK(response.reason == "Accepted");
  CHECK(response.body.empty());
  const std::string request = server.request();
  CHECK_THAT(request, Contains("POST /api/v1/executor HTTP/1.1\r\n"));
  CHECK_THAT(request, Contains("Content-Type: application/x-protobuf\r\n"));
  CHECK_THAT(request, Contains("Content-Length: 3\r\n"));
  CHECK(request.substr(request.size() - 3) == std::string("a\0b", 3));
}

TEST_CASE("send returns an error status with its body") {
  Server server([](int fd, const std::string&) {
    write_all(fd, "HTTP/1.1 400 Bad Request\r\nContent-Length: 23\r\n\r\nFailed to validate call");
  });
  auto response = http::send(server.url(), {"POST", "/api/v1/executor", {}, "x"}, 5s);
  CHECK(response.status == 400);
  CHECK(response.body == "Failed to validate call");
}

TEST_CASE("Stream returns chunks as they come, then the end") {
  std::promise<void> first_read;
  Server server([&](int fd, const std::string&) {
    write_all(fd, kChunkedHeader + chunk(dc::recordio::encode("one") + "3\ntw"));
    first_read.get_future().wait();
    write_all(fd, chunk("o") + "0\r\n\r\n");
  });
  http::Stream stream(server.url(), {"POST", "/api/v1/executor", {{"Accept", "application/x-protobuf"}}, "s"}, 5s);
  CHECK(stream.status() == 200);
  CHECK(http::header(stream.headers(), "content-type") == std::optional<std::string>("application/x-protobuf"));
  dc::recordio::Decoder records;
  auto bytes = stream.read();
  REQUIRE(bytes);
  records.feed(*bytes);
  CHECK(records.next() == std::optional<std::string>("one"));
  CHECK_FALSE(records.next());
  first_read.set_value();
  while ((bytes = stream.read())) records.feed(*bytes);
  CHECK(records.next() == std::optional<std::string>("two"));
  CHECK_FALSE(stream.read());
}

TEST_CASE("Stream reads a refusal's Content-Length body") {
  Server server([](int fd, const std::string&) {
    write_all(fd, "HTTP/1.1 400 Bad Request\r\nContent-Length: 25\r\n\r\nFramework cannot be found");
  });
  http::Stream stream(server.url(), {"POST", "/api/v1/executor", {}, "s"}, 5s);
  CHECK(stream.status() == 400);
  std::string body;
  while (auto bytes = stream.read()) body += *bytes;
  CHECK(body == "Framework cannot be found");
}

TEST_CASE("Stream fails when the server goes away mid-response") {
  Server server([](int fd, const std::string&) { write_all(fd, kChunkedHeader + chunk("5\nab")); });
  http::Stream stream(server.url(), {"POST", "/", {}, ""}, 5s);
  CHECK(stream.read() == std::optional<std::string>("5\nab"));
  CHECK_THROWS_AS(stream.read(), http::Error);
}

// A server that sends the header and then nothing until the test ends.
struct SilentServer {
  std::promise<void> done;
  Server server{[this](int fd, const std::string&) {
    write_all(fd, kChunkedHeader);
    done.get_future().wait();
  }};
  ~SilentServer() { done.set_value(); }
};

TEST_CASE("Stream's read is ended by cancel from another thread") {
  SilentServer silent;
  http::Stream stream(silent.server.url(), {"POST", "/", {}, ""}, 5s);
  std::thread canceller([&] { stream.cancel(); });
  CHECK_FALSE(stream.read());
  canceller.join();
  CHECK_FALSE(stream.read());
}

TEST_CASE("Stream's read fails after its idle timeout") {
  SilentServer silent;
  http::Stream stream(silent.server.url(), {"POST", "/", {}, ""}, 5s);
  CHECK_THROWS_WITH(stream.read(20ms), Contains("timeout"));
}

TEST_CASE("send names the URL when nothing listens") {
  int probe = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ::bind(probe, reinterpret_cast<sockaddr*>(&address), sizeof address);
  socklen_t size = sizeof address;
  ::getsockname(probe, reinterpret_cast<sockaddr*>(&address), &size);
  ::close(probe);  // a port that was free a moment ago, with no listener
  const std::string where = "127.0.0.1:" + std::to_string(ntohs(address.sin_port));
  CHECK_THROWS_WITH(http::send(http::Url::parse(where), {}, 5s),
                    Contains("http://" + where + "/: cannot connect"));
}
