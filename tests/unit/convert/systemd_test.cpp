#include "racker/convert/systemd.h"

#include <catch2/catch.hpp>

#include "convert_support.h"

using namespace racker;
using namespace racker::compose;

namespace {

convert::Conversion systemd_of(const std::string& stack) {
  auto loaded = test::load_stack(stack);
  auto graph = DependencyGraph::build(loaded.project);
  REQUIRE(graph.ok());
  auto out = convert::to_systemd(loaded.project, *graph);
  REQUIRE(out.ok());
  // Bind sources are absolute: make the listing independent of the checkout.
  for (auto& f : out->files)
    for (const auto& [root, name] : {std::pair<std::string, std::string>{loaded.project.working_dir, "$PROJECT"},
                                     {test::repo_path(""), "$REPO/"}})
      for (size_t i; (i = f.content.find(root)) != std::string::npos;) f.content.replace(i, root.size(), name);
  return *out;
}

}  // namespace

TEST_CASE("systemd units of the example stacks match the golden files", "[convert][systemd]") {
  for (const char* stack : {"examples/hello-stack", "examples/web-stack", "examples/dev-env", "examples/integration-staging",
                            "tests/data/convert/telegraf-influx-grafana"}) {
    auto c = systemd_of(stack);
    std::string base = std::string(stack).substr(std::string(stack).rfind('/') + 1);
    test::check_golden(base + ".systemd.txt", convert::systemd_listing(c));
  }
}

TEST_CASE("depends_on becomes After= and Requires=, completion a oneshot", "[convert][systemd]") {
  auto c = systemd_of("examples/web-stack");
  std::string web = test::file_named(c, "racker-webstack-web.service");
  CHECK(web.find("After=racker-webstack-seed.service\n") != std::string::npos);
  CHECK(web.find("Requires=racker-webstack-seed.service\n") != std::string::npos);
  std::string seed = test::file_named(c, "racker-webstack-seed.service");
  CHECK(seed.find("Type=oneshot\nRemainAfterExit=yes\n") != std::string::npos);
  std::string worker = test::file_named(c, "racker-webstack-worker.service");
  CHECK(worker.find("Restart=on-failure\n") != std::string::npos);
  CHECK(worker.find("StartLimitBurst=3\n") != std::string::npos);
  std::string target = test::file_named(c, "racker-webstack.target");
  CHECK(target.find("Wants=racker-webstack-api.service racker-webstack-seed.service") != std::string::npos);
}

TEST_CASE("nspawn settings carry command, environment, volumes and ports", "[convert][systemd]") {
  auto c = systemd_of("examples/web-stack");
  std::string web = test::file_named(c, "webstack-web.nspawn");
  CHECK(web.find("Parameters=httpd -f -v -p 80 -h /www\n") != std::string::npos);
  CHECK(web.find("BindReadOnly=/var/lib/racker-units/webstack/volumes/webstack_site:/www\n") != std::string::npos);
  CHECK(web.find("Port=tcp:8080:80\n") != std::string::npos);
  CHECK(web.find("Bridge=webstack-front\n") != std::string::npos);
  std::string client = test::file_named(c, "webstack-client.nspawn");
  // A multi-line script goes to a file of its own, bound into the container.
  CHECK(client.find("Parameters=sh /.racker-command.sh\n") != std::string::npos);
  CHECK(client.find("BindReadOnly=/etc/systemd/nspawn/webstack-client.sh:/.racker-command.sh\n") != std::string::npos);
  CHECK(test::file_named(c, "webstack-client.sh").find("\nwhile true; do\n  echo \"web says") != std::string::npos);
  // Both quote characters in one word: quoted runs switch, the word stays exact.
  CHECK(test::file_named(c, "webstack-api.nspawn")
            .find("Parameters=sh -c \"mkdir -p /srv && echo '{\"'\"status\":\"ok\"}'\"' > /srv/health && exec httpd "
                  "-f -p 9000 -h /srv\"\n") != std::string::npos);
  CHECK(test::file_named(c, "racker-webstack-back.network").find("IPMasquerade") == std::string::npos);
  CHECK(test::file_named(c, "racker-webstack-front.network").find("IPMasquerade=ipv4") != std::string::npos);
}

TEST_CASE("bridge names fit the kernel's 15 bytes", "[convert][systemd]") {
  CHECK(convert::bridge_name("web", "front") == "web-front");
  std::string long_name = convert::bridge_name("telegraf-influx-grafana", "default");
  CHECK(long_name.size() == 15);
  CHECK(long_name.compare(0, 10, "telegraf-i") == 0);
  CHECK(long_name != convert::bridge_name("telegraf-influx-grafana", "other"));
}
