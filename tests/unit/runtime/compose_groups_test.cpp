// The orchestrator's view of x-racker groups (expand_groups) and the group
// init's stop order.
#include "racker/runtime/compose_groups.h"

#include <catch2/catch.hpp>

#include "racker/compose/bind.h"
#include "racker/compose/source.h"
#include "racker/runtime/group_init.h"
#include "racker/runtime/service_container.h"

using namespace racker;
using namespace racker::runtime;
namespace model = racker::compose::model;

namespace {

model::Project project_of(const std::string& yaml) {
  auto doc = compose::parse_yaml(yaml, "compose.yaml");
  REQUIRE(doc.ok());
  auto p = compose::bind(*doc);
  if (!p.ok()) FAIL(p.error().to_string());
  p->name = "proj";
  return *p;
}

const char* kGrouped = R"(x-racker:
  groups:
    front: {services: [web, api]}
services:
  web:
    image: x
    ports: [{target: 80, published: "8080"}]
    networks: {edge: {aliases: [www]}, default: null}
    stop_grace_period: 3s
    depends_on: [api]
  api:
    image: x
    ports: [{target: 8080, published: "9090"}]
    networks: {default: null}
    container_name: the-api
  db:
    image: y
networks:
  edge: {}
)";

}  // namespace

TEST_CASE("a group becomes a service that owns its members' address, names and ports", "[groups]") {
  auto expanded = expand_groups(project_of(kGrouped));
  REQUIRE(expanded.ok());
  const model::Service* host = expanded->service("front");
  REQUIRE(host);
  CHECK(host->image == std::string(kGroupBaseImage));
  CHECK(host->labels.at(kLabelGroupHost) == "front");
  REQUIRE(host->networks.count("edge"));
  CHECK(host->networks.at("edge")->aliases == std::vector<std::string>{"web", "proj-web-1", "www"});
  CHECK(host->networks.at("default")->aliases == std::vector<std::string>{"api", "the-api", "web", "proj-web-1"});
  REQUIRE(host->ports.size() == 2);
  // Members stop one after another: their graces plus a margin.
  CHECK(host->stop_grace_period == std::chrono::seconds(3 + 10 + 5));

  const model::Service* web = expanded->service("web");
  CHECK(web->network_mode == std::string("service:front"));
  CHECK(web->networks.empty());
  CHECK(web->ports.empty());
  CHECK(web->labels.at(kLabelGroup) == "front");
  CHECK(web->depends_on.at("front").restart);
  // api starts before web, so web stops first.
  CHECK(std::stoi(web->labels.at(kLabelGroupOrder)) > std::stoi(expanded->service("api")->labels.at(kLabelGroupOrder)));
  CHECK(expanded->service("db")->labels.count(kLabelGroup) == 0);
  CHECK(has_groups(*expanded));

  // The member's container is entered into the group's.
  ServiceContainerOptions options;
  options.project_state_dir = "/nonexistent";
  auto translated = translate_service(*expanded, *web, options);
  REQUIRE(translated.ok());
  CHECK(translated->settings.group == "proj-front-1");
  CHECK(!translated->settings.group_host);
  auto host_translated = translate_service(*expanded, *host, options);
  REQUIRE(host_translated.ok());
  CHECK(host_translated->settings.group_host);
}

TEST_CASE("a project without groups is left as it is", "[groups]") {
  auto p = project_of("services:\n  web: {image: x}\n");
  auto expanded = expand_groups(p);
  REQUIRE(expanded.ok());
  CHECK(expanded->services.size() == 1);
  CHECK(!has_groups(*expanded));
}

TEST_CASE("a boot group's machine boots its image and its members become units", "[groups][boot]") {
  auto expanded = expand_groups(project_of(R"(x-racker:
  groups:
    os: {services: [web, client], boot: true, image: debian-systemd}
services:
  web: {image: x, restart: on-failure:3, stop_signal: SIGINT, stop_grace_period: 7s}
  client:
    image: x
    depends_on:
      web: {condition: service_started}
      log: {condition: service_started, required: false}
      db: {condition: service_healthy}
      cache: {condition: service_healthy}
  log: {image: x, x-racker: {group: os}}
  cache: {image: x, x-racker: {group: os}, healthcheck: {test: ["CMD", "true"]}}
  db: {image: y}
)"));
  REQUIRE(expanded.ok());
  const model::Service* host = expanded->service("os");
  REQUIRE(host);
  CHECK(host->image == "debian-systemd");
  CHECK(*host->entrypoint == std::vector<std::string>{"/sbin/init"});
  CHECK(host->labels.at(kLabelGroupBoot) == "os");
  CHECK(*host->stop_signal == "SIGRTMIN+3");
  const model::Service* client = expanded->service("client");
  CHECK(client->labels.at(kLabelBootUnit) == "racker-client.service");
  CHECK(client->labels.at(kLabelBootRequires) == "web");
  CHECK(client->labels.at(kLabelBootWants) == "log");  // not cache: racker waits for it to be healthy
  CHECK(client->depends_on.count("cache"));
  CHECK(client->network_mode == std::string("service:os"));

  // racker's record: no restart policy, SIGTERM for the follower; the unit's own in labels.
  ServiceContainerOptions options;
  options.project_state_dir = "/nonexistent";
  auto web = translate_service(*expanded, *expanded->service("web"), options);
  REQUIRE(web.ok());
  CHECK(web->settings.restart.kind == RestartPolicy::Kind::kNo);
  CHECK(*web->settings.stop_signal == "SIGTERM");
  CHECK(*web->settings.stop_timeout == 12);
  CHECK(web->settings.labels.at(kLabelBootRestart) == "on-failure:3");
  CHECK(web->settings.labels.at(kLabelBootStopSignal) == "SIGINT");
  CHECK(web->settings.labels.at(kLabelBootStopGrace) == "7");
  auto machine = translate_service(*expanded, *host, options);
  REQUIRE(machine.ok());
  CHECK(!machine->settings.group_host);  // systemd, not racker's group init, is PID 1
  CHECK(machine->settings.privileged);
}

TEST_CASE("the group init stops the latest started members first, one batch at a time", "[groups]") {
  auto batches = group_stop_batches({{"db", 10, 15, 10, 0}, {"web", 11, 2, 10, 5}, {"api", 12, 15, 10, 5}});
  REQUIRE(batches.size() == 2);
  REQUIRE(batches[0].size() == 2);
  CHECK(batches[0][0].service == "api");
  CHECK(batches[0][1].service == "web");
  CHECK(batches[1][0].service == "db");
}
