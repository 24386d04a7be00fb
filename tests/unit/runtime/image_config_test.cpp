#include "racker/runtime/image_config.h"

#include <catch2/catch.hpp>

using namespace racker;
using namespace racker::runtime;

TEST_CASE("image config fields the runtime needs are parsed", "[image_config]") {
  std::string body = R"({"architecture":"amd64","os":"linux","created":"2023-01-01T00:00:00Z",
    "config":{"Env":["PATH=/usr/bin","A=b=c"],"Entrypoint":["/entry.sh"],"Cmd":["influxd"],
      "WorkingDir":"/var/lib","User":"1000:1000","ExposedPorts":{"8086/tcp":{},"25/udp":{}},
      "Volumes":{"/data":{}},"Labels":{"org.opencontainers.image.title":"x"},"StopSignal":"SIGQUIT",
      "Healthcheck":{"Test":["CMD-SHELL","curl -f localhost"],"Interval":30000000000,"Timeout":5000000000,"Retries":3}},
    "rootfs":{"type":"layers","diff_ids":["sha256:)" + std::string(64, 'a') + R"("]}})";
  auto cfg = parse_image_config(body);
  REQUIRE(cfg.ok());
  CHECK(cfg->platform.str() == "linux/amd64");
  CHECK(cfg->env == std::vector<std::string>{"PATH=/usr/bin", "A=b=c"});
  CHECK(cfg->entrypoint == std::vector<std::string>{"/entry.sh"});
  CHECK(cfg->cmd == std::vector<std::string>{"influxd"});
  CHECK(cfg->working_dir == "/var/lib");
  CHECK(cfg->user == "1000:1000");
  CHECK(cfg->exposed_ports == std::vector<std::string>{"25/udp", "8086/tcp"});
  CHECK(cfg->volumes == std::vector<std::string>{"/data"});
  CHECK(cfg->labels.at("org.opencontainers.image.title") == "x");
  CHECK(cfg->stop_signal == "SIGQUIT");
  REQUIRE(cfg->healthcheck);
  CHECK(cfg->healthcheck->test == std::vector<std::string>{"CMD-SHELL", "curl -f localhost"});
  CHECK(cfg->healthcheck->interval == std::chrono::seconds(30));
  CHECK(cfg->healthcheck->retries == 3);
  REQUIRE(cfg->diff_ids.size() == 1);
  CHECK(cfg->diff_ids[0].hex() == std::string(64, 'a'));
}

TEST_CASE("a minimal config has empty defaults", "[image_config]") {
  auto cfg = parse_image_config(R"({"rootfs":{"diff_ids":[]}})");
  REQUIRE(cfg.ok());
  CHECK(cfg->env.empty());
  CHECK_FALSE(cfg->healthcheck);
  CHECK(image_config_to_json(*cfg).find("\"Cmd\":null") != std::string::npos);
}

TEST_CASE("bad configs are parse errors", "[image_config]") {
  CHECK(parse_image_config("[]").error().code == Errc::kParse);
  CHECK(parse_image_config("{").error().code == Errc::kParse);
  CHECK(parse_image_config(R"({"rootfs":{"diff_ids":["md5:1"]}})").error().code == Errc::kParse);
}
