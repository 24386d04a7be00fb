// racker image bootstrap: a Debian image made by mmdebstrap from Debian's
// package archive (the one outside service these tests may use). Kept small:
// the extract variant with one package, ~30 s, mostly the package index.
#include <sys/stat.h>

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "support/image_test_env.h"
#include "support/image_test_images.h"
#include "support/registry_fixture.h"

using namespace racker::test;

TEST_CASE("image bootstrap builds a Debian image from Debian packages", "[integration][image][bootstrap]") {
  if (!running_as_root() || !have_tool("mmdebstrap")) {
    SUCCEED("skipped: needs root and mmdebstrap");
    return;
  }
  ImageTestEnv env;
  int rc = 0;
  std::string out = run_racker("image bootstrap local/debian-tiny:bookworm --suite bookworm --variant extract "
                               "--include busybox-static", &rc);
  INFO(out);
  REQUIRE(rc == 0);
  std::string id = out.substr(out.rfind("sha256:"), 71);
  auto inspect = nlohmann::json::parse(run_racker("image inspect local/debian-tiny:bookworm"), nullptr, false);
  REQUIRE(inspect.is_array());
  CHECK(inspect[0]["Id"] == id);
  CHECK(inspect[0]["Os"] == "linux");
  REQUIRE(inspect[0]["LayerDirs"].size() == 1);
  std::string rootfs = inspect[0]["LayerDirs"][0];
  struct stat st {};
  REQUIRE(::stat((rootfs + "/bin/busybox").c_str(), &st) == 0);
  CHECK((st.st_mode & 0111) != 0);
  CHECK(read_file(rootfs + "/usr/share/doc/busybox-static/copyright").find("BusyBox") != std::string::npos);

  out = run_racker("image bootstrap local/x --suite no-such-suite --variant extract", &rc);
  CHECK(rc == 125);
  CHECK_THAT(out, Catch::Contains("mmdebstrap no-such-suite failed"));
}
