#include "racker/convert/kubernetes.h"

#include <catch2/catch.hpp>

#include "convert_support.h"
#include "support/mem_file_reader.h"

using namespace racker;
using namespace racker::compose;

namespace {

// Loads `stack` (a repository folder) and converts it, env_file paths taken
// from the document before normalization as the CLI does.
convert::Conversion kubernetes_of(const std::string& stack) {
  auto loaded = test::load_stack(stack);
  auto graph = DependencyGraph::build(loaded.project);
  REQUIRE(graph.ok());
  DiskFileReader files;
  ProjectOptions raw;
  raw.working_dir = test::repo_path(stack);
  raw.normalize = false;
  raw.validate = false;
  auto unnormalized = load_project(raw, files, {});
  REQUIRE(unnormalized.ok());
  convert::KubernetesInput in{&loaded.project, &*graph,
                              convert::env_files_of(unnormalized->doc, loaded.source.project_dir)};
  auto out = convert::to_kubernetes(in, files);
  REQUIRE(out.ok());
  return *out;
}

}  // namespace

TEST_CASE("kubernetes output of the example stacks matches the golden files", "[convert][kubernetes]") {
  for (const char* stack : {"examples/hello-stack", "examples/web-stack", "examples/dev-env", "examples/integration-staging",
                            "tests/data/convert/telegraf-influx-grafana"}) {
    auto c = kubernetes_of(stack);
    std::string base = std::string(stack).substr(std::string(stack).rfind('/') + 1);
    test::check_golden(base + ".kubernetes.yaml", convert::kubernetes_stream(c));
  }
}

TEST_CASE("a service that others wait for to complete becomes their init container", "[convert][kubernetes]") {
  auto c = kubernetes_of("examples/web-stack");
  std::string web = test::file_named(c, "web-deployment.yaml");
  CHECK(web.find("initContainers:\n        - name: seed") != std::string::npos);
  for (const auto& f : c.files) CHECK(f.name != "seed-deployment.yaml");
  // The shared volume is one claim, mounted by both containers of the pod.
  CHECK(test::file_named(c, "site-persistentvolumeclaim.yaml").find("storage: 1Gi") != std::string::npos);
  CHECK(web.find("type: Recreate") != std::string::npos);
}

TEST_CASE("a service without ports gets a headless Service", "[convert][kubernetes]") {
  auto c = kubernetes_of("examples/web-stack");
  std::string worker = test::file_named(c, "worker-service.yaml");
  CHECK(worker.find("clusterIP: None") != std::string::npos);
  CHECK(worker.find("ports:") == std::string::npos);
  std::string web = test::file_named(c, "web-service.yaml");
  CHECK(web.find("clusterIP") == std::string::npos);
  CHECK(web.find("port: 8080") != std::string::npos);
  CHECK(web.find("targetPort: 80") != std::string::npos);
}

TEST_CASE("env_file becomes a shared ConfigMap, bind-mounted files ConfigMaps", "[convert][kubernetes]") {
  auto c = kubernetes_of("tests/data/convert/telegraf-influx-grafana");
  std::string cm = test::file_named(c, "configuration-env-configmap.yaml");
  CHECK(cm.find("INFLUXDB_DB: influx") != std::string::npos);
  CHECK(cm.find("GF_INSTALL_PLUGINS: \"\"") != std::string::npos);
  std::string grafana = test::file_named(c, "grafana-deployment.yaml");
  CHECK(grafana.find("configMapRef:\n                name: configuration-env") != std::string::npos);
  // Every variable comes from the ConfigMap: no env list of its own.
  CHECK(grafana.find("env:") == std::string::npos);
  std::string conf = test::file_named(c, "telegraf-etc-telegraf-conf-configmap.yaml");
  CHECK(conf.find("telegraf.conf: |") != std::string::npos);
  CHECK(test::file_named(c, "telegraf-deployment.yaml").find("subPath: telegraf.conf") != std::string::npos);
}

TEST_CASE("healthchecks, resources, security and $ references convert", "[convert][kubernetes]") {
  model::Project p;
  p.name = "demo";
  p.working_dir = "/p";
  auto& s = p.services["app"];
  s.name = "app";
  s.image = "busybox";
  s.command = std::vector<std::string>{"sh", "-c", "echo $(date) $$HOME $(VAR)"};
  s.environment["A"] = "x$(B)";
  s.environment["UNSET"] = std::nullopt;
  s.healthcheck = model::HealthCheck{{"CMD-SHELL", "true"}, std::chrono::seconds(5), std::chrono::milliseconds(1500),
                                     std::chrono::seconds(3), std::nullopt, 4, false};
  s.cpus = 0.5;
  s.mem_limit = 512ll << 20;
  s.user = "1000:100";
  s.cap_add = {"CAP_NET_ADMIN"};
  s.cap_drop = {"ALL"};
  s.read_only = true;
  s.ulimits["nofile"] = {1, 2};
  s.networks["default"] = std::nullopt;
  p.networks["default"].key = "default";
  p.networks["default"].name = "demo_default";
  auto g = DependencyGraph::build(p);
  REQUIRE(g.ok());
  test::MemFileReader files;
  auto c = convert::to_kubernetes({&p, &*g, {}}, files);
  REQUIRE(c.ok());
  test::check_golden("synthetic.kubernetes.yaml", convert::kubernetes_stream(*c));
  bool ulimits = false, unset = false;
  for (const auto& w : c->warnings) {
    ulimits = ulimits || w.text.find("services.app.ulimits: not converted") != std::string::npos;
    unset = unset || w.text.find("services.app.environment.UNSET: no value set") != std::string::npos;
  }
  CHECK(ulimits);
  CHECK(unset);
}

TEST_CASE("a missing file named by a config is an error", "[convert][kubernetes]") {
  model::Project p;
  p.name = "demo";
  auto& s = p.services["app"];
  s.name = "app";
  s.image = "busybox";
  s.configs.push_back({"conf", std::nullopt, std::nullopt, std::nullopt, std::nullopt});
  p.configs["conf"].key = "conf";
  p.configs["conf"].file = "/nowhere/conf.txt";
  auto g = DependencyGraph::build(p);
  REQUIRE(g.ok());
  test::MemFileReader files;
  auto c = convert::to_kubernetes({&p, &*g, {}}, files);
  REQUIRE_FALSE(c.ok());
  CHECK(c.error().code == Errc::kNotFound);
}
