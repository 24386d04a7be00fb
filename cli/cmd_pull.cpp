// racker pull [-q] [--platform P] NAME[:TAG|@DIGEST]: fetch an image into the local store.
#include <unistd.h>
#include "container_cli.h"

#include <cstdio>
#include <map>
#include <memory>
#include <mutex>

#include "command.h"
#include "racker/runtime/image_display.h"
#include "racker/runtime/image_pull.h"

namespace racker::cli {
namespace {

using namespace racker::runtime;

struct PullFlags {
  bool quiet = false;
  std::string platform;
  std::string image;
};

// docker's per-layer lines. On a terminal the block of lines is redrawn in
// place; otherwise only a layer's final state is printed, once.
class PullProgress : public PullObserver {
 public:
  explicit PullProgress(bool tty) : tty_(tty) {}

  void on_layers(const std::vector<Digest>& blobs) override {
    std::lock_guard<std::mutex> lock(mu_);
    for (const auto& b : blobs)
      if (!lines_.count(b.short_id())) {
        order_.push_back(b.short_id());
        lines_[b.short_id()] = "Pulling fs layer";
      }
    redraw();
  }

  void on_layer(const Digest& blob, LayerPhase phase, int64_t current, int64_t total) override {
    std::lock_guard<std::mutex> lock(mu_);
    std::string id = blob.short_id();
    std::string text;
    switch (phase) {
      case LayerPhase::kAlreadyExists: text = "Already exists"; break;
      case LayerPhase::kWaiting: text = "Waiting"; break;
      case LayerPhase::kDownloading:
        text = "Downloading " + bar(current, total) + " " + human_size(current) + "/" + human_size(total);
        break;
      case LayerPhase::kExtracting: text = "Extracting"; break;
      case LayerPhase::kPullComplete: text = "Pull complete"; break;
    }
    bool final_state = phase == LayerPhase::kAlreadyExists || phase == LayerPhase::kPullComplete;
    lines_[id] = text;
    if (!tty_) {
      if (final_state) std::printf("%s: %s\n", id.c_str(), text.c_str());
      return;
    }
    redraw();
  }

 private:
  static std::string bar(int64_t current, int64_t total) {
    constexpr int kWidth = 40;
    int filled = total > 0 ? static_cast<int>(kWidth * current / total) : 0;
    std::string s = "[";
    for (int i = 0; i < kWidth; ++i) s += i < filled ? '=' : i == filled ? '>' : ' ';
    return s + "]";
  }

  void redraw() {
    if (!tty_) return;
    if (drawn_ > 0) std::printf("\033[%zuA", drawn_);
    for (const auto& id : order_) std::printf("\033[2K%s: %s\n", id.c_str(), lines_[id].c_str());
    drawn_ = order_.size();
    std::fflush(stdout);
  }

  bool tty_;
  std::mutex mu_;
  std::vector<std::string> order_;
  std::map<std::string, std::string> lines_;
  size_t drawn_ = 0;
};

int run_pull(const PullFlags& f) {
  auto ref = parse_image_ref(f.image);
  if (!ref) {
    print_error(ref.error());
    return 125;
  }
  PullOptions options;
  if (!f.platform.empty()) {
    auto p = parse_platform(f.platform);
    if (!p) {
      print_error(p.error());
      return 125;
    }
    options.platform = *p;
  }
  auto store = open_image_store();
  if (!store) {
    print_error(store.error());
    return 125;
  }
  auto client_options = registry_options_for(*ref);
  if (!client_options) {
    print_error(client_options.error());
    return 125;
  }
  RegistryClient client(*ref, *client_options);
  PullProgress progress(::isatty(STDOUT_FILENO) != 0);
  if (!f.quiet) {
    options.observer = &progress;
    std::printf("%s: Pulling from %s\n", ref->digest ? ref->digest->str().c_str() : ref->tag.c_str(),
                ref->path.c_str());
  }
  auto result = pull_image(**store, client, *ref, options);
  if (!result) {
    std::fflush(stdout);
    print_error(result.error());
    return 125;
  }
  if (!f.quiet) {
    std::printf("Digest: %s\n", result->repo_digest.str().c_str());
    std::printf("Status: %s for %s\n", result->newer ? "Downloaded newer image" : "Image is up to date",
                ref->familiar().c_str());
  }
  std::printf("%s\n", ref->str().c_str());
  return 0;
}

CommandRegistration register_pull(Parent::kRoot, 200, [](CLI::App& parent, Context& ctx) {
  auto* cmd = parent.add_subcommand("pull", "Download an image from a registry");
  auto flags = std::make_shared<PullFlags>();
  cmd->add_flag("-q,--quiet", flags->quiet, "Suppress verbose output");
  cmd->add_option("--platform", flags->platform, "Set platform if server is multi-platform capable (os/arch[/variant])");
  cmd->add_option("NAME", flags->image, "Image reference: NAME[:TAG|@DIGEST]")->required();
  cmd->callback([&ctx, flags] { ctx.exit_code = run_pull(*flags); });
});

}  // namespace
}  // namespace racker::cli
